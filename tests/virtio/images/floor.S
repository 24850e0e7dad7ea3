// The floor of the boot benchmark: a PVH image whose first instruction
// exits QEMU through isa-debug-exit (status 1). Whatever a real image costs
// beyond this is ours.
  .section .note.pvh, "a", @note
  .p2align 2
  .long 4, 8, 18
  .asciz "Xen"
  .quad floor_start

  .text
  .code32
  .globl floor_start
floor_start:
  xorl %eax, %eax
  outl %eax, $0xf4
1:
  hlt
  jmp 1b
