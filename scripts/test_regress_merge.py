#!/usr/bin/env python3
"""Test of sharded regressions and scripts/regress_merge.py (ctest: regress_shards_merge).

Usage: scripts/test_regress_merge.py REGRESS_BINARY   (e.g. build/tsp-rtl-regress-small)

Runs the real regression binary on 8 seeds as shards 1/2 and 2/2 with --junit, checks that the
shards are the deterministic slices (seeds first+i, i % N == k-1), merges them with
regress_merge.py (must pass with every seed once), then merges broken sets made from the real
files: a missing shard, a shard given twice, a failing testcase, disagreeing seed ranges, which must
all fail with the right message; bad --shard values to the binary and bad SHARD values to
scripts/regress.sh must be refused with a clear error (exit status 2).
"""
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
MERGE = os.path.join(HERE, "regress_merge.py")
REGRESS_SH = os.path.join(HERE, "regress.sh")
REGRESS = None  # set from argv


def run(cmd, env=None):
    e = dict(os.environ)
    e.pop("TSP_RTL_RAND_SEED", None)
    e.update(env or {})
    return subprocess.run(cmd, capture_output=True, text=True, env=e)


def seeds_in(path):
    root = ET.parse(path).getroot()
    cases = root.iter("testcase")
    return [int(c.get("name").split("_")[1]) for c in cases]


class Shards(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.shard = {}
        for k in (1, 2):
            path = os.path.join(cls.dir, f"small-shard-{k}-of-2.xml")
            r = run([REGRESS, "--seeds", "8", "--first", "3", "--shard", f"{k}/2", "--junit", path, "--progress",
                     "0", "--fail-dir", os.path.join(cls.dir, "fail"), "--max-cycles-prog", "120"])
            if r.returncode != 0:
                raise AssertionError(f"shard {k}/2 failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
            cls.shard[k] = path

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def merge(self, *inputs):
        out = os.path.join(self.dir, "merged.xml")
        return run([sys.executable, MERGE, out, *inputs]), out

    def test_shards_are_the_deterministic_slices(self):
        self.assertEqual(seeds_in(self.shard[1]), [3, 5, 7, 9])
        self.assertEqual(seeds_in(self.shard[2]), [4, 6, 8, 10])
        suite = ET.parse(self.shard[1]).getroot()
        self.assertEqual(suite.tag, "testsuite")
        self.assertEqual(suite.get("tests"), "4")
        self.assertEqual(suite.get("failures"), "0")
        self.assertGreater(float(suite.get("time")), 0)
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        self.assertEqual(props["shard"], "1/2")
        self.assertEqual((props["first"], props["seeds"]), ("3", "8"))

    def test_merge_of_all_shards_passes(self):
        r, out = self.merge(self.shard[2], self.shard[1])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("seeds 3..10: 8 run, 8 passed, 0 failed, 0 skipped, 0 missing, 0 duplicated", r.stdout)
        root = ET.parse(out).getroot()
        self.assertEqual(root.tag, "testsuites")
        self.assertEqual((root.get("tests"), root.get("failures")), ("8", "0"))
        self.assertEqual(seeds_in(out), list(range(3, 11)))

    def test_missing_shard_fails(self):
        r, _ = self.merge(self.shard[1])
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("4 missing", r.stdout)
        self.assertIn("missing seeds (4): 4, 6, 8, 10", r.stdout)

    def test_duplicated_shard_fails(self):
        r, _ = self.merge(self.shard[1], self.shard[2], self.shard[1])
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("seeds run more than once (4): 3, 5, 7, 9", r.stdout)

    def test_failure_fails_and_shows_replay(self):
        tree = ET.parse(self.shard[2])
        case = next(c for c in tree.getroot().iter("testcase") if c.get("name") == "seed_6")
        f = ET.SubElement(case, "failure", message="run cycle 9: queue mem.w0 dispatch differs", type="lockstep")
        f.text = "run cycle 9: ...\nreplay: TSP_SEED=6 test_rtl_system_small"
        broken = os.path.join(self.dir, "broken.xml")
        tree.write(broken)
        r, out = self.merge(self.shard[1], broken)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("8 run, 7 passed, 1 failed", r.stdout)
        self.assertIn("FAIL seed 6: run cycle 9: queue mem.w0 dispatch differs", r.stdout)
        self.assertIn("replay: TSP_SEED=6 test_rtl_system_small", r.stdout)
        self.assertEqual(ET.parse(out).getroot().get("failures"), "1")

    def test_disagreeing_ranges_fail(self):
        tree = ET.parse(self.shard[2])
        for p in tree.getroot().iter("property"):
            if p.get("name") == "seeds":
                p.set("value", "9")
        other = os.path.join(self.dir, "other.xml")
        tree.write(other)
        r, _ = self.merge(self.shard[1], other)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("but an earlier file has", r.stdout)

    def test_usage_and_unreadable_input(self):
        self.assertEqual(run([sys.executable, MERGE]).returncode, 2)
        r, _ = self.merge(os.path.join(self.dir, "nope.xml"))
        self.assertEqual(r.returncode, 2)

    def test_bad_shard_values_are_refused(self):
        for bad in ("0/4", "5/4", "x", "1/0", "2"):
            r = run([REGRESS, "--seeds", "4", "--shard", bad])
            self.assertEqual(r.returncode, 2, f"--shard {bad}: {r.stdout}{r.stderr}")
            self.assertIn(f"--shard '{bad}': expected k/N with 1 <= k <= N", r.stderr)
            r = run(["bash", REGRESS_SH, "4"], env={"SHARD": bad, "BUILD": os.path.join(self.dir, "no-build")})
            self.assertEqual(r.returncode, 2, f"SHARD={bad}: {r.stdout}{r.stderr}")
            self.assertIn(f"SHARD='{bad}': expected k/N with 1 <= k <= N", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "no-build")), "regress.sh configured a build")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    REGRESS = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
