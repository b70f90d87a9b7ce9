# Cross-compiling the host library and its tests for 64-bit ARM Linux (a Zynq UltraScale+ board's
# Cortex-A53, a Raspberry Pi 4/5, ...) with Debian's cross compiler; the tests run under qemu-user.
# Used by scripts/cross_aarch64.sh (`make cross-aarch64`); packages: g++-aarch64-linux-gnu,
# qemu-user, and the arm64 multiarch libfmt-dev, libgtest-dev, libgmock-dev.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Target libraries from the multiarch directories; headers that are the same on every architecture
# (CLI11, nlohmann-json) from /usr/include.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu /usr)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# ctest and gtest_discover_tests run the test binaries through qemu-user with the cross sysroot.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/usr/aarch64-linux-gnu)
