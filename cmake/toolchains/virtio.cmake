# Toolchain for the `virtio` target: freestanding x86_64 images that boot as
# PVH microVMs (see docs/virtio.md).
#
#   cmake -S . -B build/virtio -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/virtio.cmake
#
# The host's g++ 12 is the cross compiler: the image uses libstdc++'s
# headers (header-only parts), the platform's own C library subset
# (platform/virtio/libc) and nothing of glibc at run time. Every library in
# an image, BearSSL included, is compiled with these flags:
#
#   -fno-pie -mno-red-zone   absolute addresses at 1 MiB; interrupts may not
#                            clobber below %rsp (they also use IST stacks)
#   -fno-stack-protector     the canary at %fs:0x28 exists (for prebuilt
#                            libstdc++ objects) but our code does not check it
#   -D_FORTIFY_SOURCE=0      no __memcpy_chk and friends
#   -fno-omit-frame-pointer  panic reports walk the frame-pointer chain
#   -fno-asynchronous-unwind-tables  no unwinding: no exceptions
#
# Not -ffreestanding: newer g++ then refuses <vector> and friends (see
# ../../../shared/notes/platform-facts.md).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER gcc)
set(CMAKE_CXX_COMPILER g++)
set(CMAKE_ASM_COMPILER gcc)
# The compiler checks cannot link a program without the platform's entry.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(FATA_TARGET "virtio" CACHE STRING "Platform to build for (hosted, virtio)")

set(fata_virtio_flags
    "-m64 -march=x86-64 -fno-pie -mno-red-zone -mcmodel=small -fno-stack-protector -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=0 -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-unwind-tables -ffunction-sections -fdata-sections -fno-plt -fno-semantic-interposition")
set(CMAKE_C_FLAGS_INIT "${fata_virtio_flags}")
set(CMAKE_CXX_FLAGS_INIT "${fata_virtio_flags} -fno-threadsafe-statics -fno-exceptions -fno-rtti")
set(CMAKE_ASM_FLAGS_INIT "-m64")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -no-pie -nostdlib -Wl,--gc-sections -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--build-id=none")

# Only the host's own headers and static archives are used.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE NEVER)
