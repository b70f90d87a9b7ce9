#!/usr/bin/env bash
# Prints the directory holding the stories260K model files (stories260K.bin, tok512.bin) on stdout,
# after checking their sha256 against the published values (docs/llm.md "Model location").
#   TSP_MODEL_DIR set:  that directory; both files must be there and match (they are never changed).
#   otherwise:          <repo>/models/stories260K if it holds both files, else
#                       <repo>/../shared/models/stories260K if it does (the CI machine's layout), else
#                       downloads both with curl from Hugging Face (karpathy/tinyllamas, folder
#                       stories260K) into <repo>/models/stories260K (git-ignored).
# A download that does not match is deleted and the script fails. Messages go to stderr.
# TSP_MODEL_URL replaces the download folder URL (a mirror, or file:///dir to test the download path).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
url=${TSP_MODEL_URL:-https://huggingface.co/karpathy/tinyllamas/resolve/main/stories260K}
files=(stories260K.bin tok512.bin)
declare -A want=(
  [stories260K.bin]=b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696
  [tok512.bin]=037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312
)

die() {
  echo "model_dir.sh: $*" >&2
  exit 1
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# True if the directory holds both files with the published digests.
valid_dir() {
  local f
  for f in "${files[@]}"; do
    [[ -f "$1/$f" && "$(sha "$1/$f")" == "${want[$f]}" ]] || return 1
  done
}

if [[ -n "${TSP_MODEL_DIR:-}" ]]; then
  for f in "${files[@]}"; do
    [[ -f "$TSP_MODEL_DIR/$f" ]] || die "TSP_MODEL_DIR=$TSP_MODEL_DIR: $f is missing"
    got=$(sha "$TSP_MODEL_DIR/$f")
    [[ "$got" == "${want[$f]}" ]] ||
      die "TSP_MODEL_DIR=$TSP_MODEL_DIR: $f has sha256 $got, expected ${want[$f]} (wrong or corrupt file)"
  done
  echo "$TSP_MODEL_DIR"
  exit 0
fi

dir="$root/models/stories260K"
if valid_dir "$dir"; then
  echo "$dir"
  exit 0
fi
shared="$root/../shared/models/stories260K"
if [[ -d "$shared" ]] && valid_dir "$shared"; then
  (cd "$shared" && pwd)
  exit 0
fi

command -v curl > /dev/null || die "curl is needed to download the model (or set TSP_MODEL_DIR)"
mkdir -p "$dir"
for f in "${files[@]}"; do
  if [[ -f "$dir/$f" && "$(sha "$dir/$f")" == "${want[$f]}" ]]; then
    continue
  fi
  echo "model_dir.sh: downloading $url/$f" >&2
  rm -f "$dir/$f" "$dir/$f.part"
  if ! curl -fsSL --retry 3 --connect-timeout 20 -o "$dir/$f.part" "$url/$f" >&2; then
    rm -f "$dir/$f.part"
    die "download of $url/$f failed (no network? set TSP_MODEL_DIR to a directory holding the files)"
  fi
  got=$(sha "$dir/$f.part")
  if [[ "$got" != "${want[$f]}" ]]; then
    rm -f "$dir/$f.part"
    die "downloaded $f has sha256 $got, expected ${want[$f]}; deleted it"
  fi
  mv "$dir/$f.part" "$dir/$f"
done
echo "$dir"
