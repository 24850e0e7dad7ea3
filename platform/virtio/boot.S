// Entry of a virtio image: the PVH note, the 32-bit entry that builds a
// minimal identity map and enters long mode, and the interrupt stubs.
//
// PVH entry state (Xen's HVM direct boot ABI, as QEMU implements it):
// 32-bit protected mode, paging off, interrupts off, %ebx = physical address
// of hvm_start_info. No stack, no GDT we may rely on. Everything else
// (real page tables, IDT, TSS, heap) is set up in C++ by fata_virtio_boot.

#define CR0_PE (1 << 0)
#define CR0_MP (1 << 1)
#define CR0_ET (1 << 4)
#define CR0_NE (1 << 5)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

// The PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY = 18). QEMU 7.2 wants a
// PT_NOTE segment aligned to 4 and the address written as 8 bytes.
  .section .note.pvh, "a", @note
  .p2align 2
  .long 4          // name size
  .long 8          // descriptor size
  .long 18         // type
  .asciz "Xen"
  .quad fata_pvh_start32

// The TSC at the first instruction, for the boot-time figure.
  .section .data.boot, "aw"
  .p2align 3
  .globl fata_boot_tsc
fata_boot_tsc:
  .quad 0
  .globl fata_boot_start_info
fata_boot_start_info:
  .quad 0

// The GDT: null, 64-bit code, data, and a 16-byte TSS descriptor filled in
// by C++ (see cpu.cpp). Selectors: code 0x08, data 0x10, TSS 0x18.
  .p2align 4
  .globl fata_gdt
fata_gdt:
  .quad 0
  .quad 0x00af9a000000ffff
  .quad 0x00cf92000000ffff
  .quad 0
  .quad 0
fata_gdt_end:
  .globl fata_gdt_pointer
fata_gdt_pointer:
  .word fata_gdt_end - fata_gdt - 1
  .quad fata_gdt

// Boot page tables: the first GiB identity-mapped with 2 MiB pages, enough
// for the image, its stack and the memory C++ builds the real tables in.
  .section .bss.boot, "aw", @nobits
  .p2align 12
boot_pml4: .skip 4096
boot_pdpt: .skip 4096
boot_pd:   .skip 4096

  .section .text.boot, "ax"
  .code32
  .globl fata_pvh_start32
fata_pvh_start32:
  rdtsc
  movl %eax, fata_boot_tsc
  movl %edx, fata_boot_tsc + 4
  movl %ebx, fata_boot_start_info
  cld

  // Zero .bss (the loader zero-fills, but a hypervisor need not).
  movl $__bss_start, %edi
  movl $__bss_end, %ecx
  subl %edi, %ecx
  xorl %eax, %eax
  rep stosb

  // PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] -> i * 2 MiB (present, writable, huge).
  movl $boot_pdpt + 0x3, boot_pml4
  movl $boot_pd + 0x3, boot_pdpt
  xorl %ecx, %ecx
1:
  movl %ecx, %eax
  shll $21, %eax
  orl $0x83, %eax
  movl %eax, boot_pd(, %ecx, 8)
  incl %ecx
  cmpl $512, %ecx
  jne 1b

  lgdt fata_gdt_pointer
  movl %cr4, %eax
  orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
  movl %eax, %cr4
  movl $boot_pml4, %eax
  movl %eax, %cr3
  movl $MSR_EFER, %ecx
  rdmsr
  orl $(EFER_LME | EFER_NXE), %eax
  wrmsr
  // SSE on (EM clear, MP set) before any compiled code: g++ and libstdc++
  // use SSE registers freely.
  movl $(CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG), %eax
  movl %eax, %cr0
  ljmp $0x08, $start64

  .code64
start64:
  movw $0x10, %ax
  movw %ax, %ds
  movw %ax, %es
  movw %ax, %ss
  xorw %ax, %ax
  movw %ax, %fs
  movw %ax, %gs
  movabsq $__stack_top, %rsp
  xorl %ebp, %ebp
  fninit
  pushq $0x1f80
  ldmxcsr (%rsp)
  addq $8, %rsp
  movl fata_boot_start_info, %edi
  call fata_virtio_boot
2:
  cli
  hlt
  jmp 2b

// --- Interrupt and exception stubs -----------------------------------------
// Each stub pushes a dummy error code when the CPU does not, then the vector,
// and joins fata_isr_common, which saves the general registers and the SSE
// state and calls fata_virtio_trap(trap_frame*). Every vector runs on an IST
// stack (see cpu.cpp), so code compiled with a red zone (Debian's
// libstdc++.a objects) is safe.

  .text
.macro stub vector, has_error
  .p2align 4
fata_isr_\vector:
  .if \has_error == 0
  pushq $0
  .endif
  pushq $\vector
  jmp fata_isr_common
.endm

.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
  stub \v, 0
.endr
.irp v, 8,10,11,12,13,14,17,21,29,30
  stub \v, 1
.endr
.altmacro
.macro irq_stub n
  stub %(32 + n), 0
.endm
.set i, 0
.rept 32
  irq_stub %i
  .set i, i + 1
.endr
  stub 255, 0

  .p2align 4
fata_isr_common:
  pushq %rax
  pushq %rbx
  pushq %rcx
  pushq %rdx
  pushq %rsi
  pushq %rdi
  pushq %rbp
  pushq %r8
  pushq %r9
  pushq %r10
  pushq %r11
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, %rdi
  movq %rsp, %rbx
  subq $512, %rsp
  andq $-16, %rsp
  fxsave (%rsp)
  call fata_virtio_trap
  fxrstor (%rsp)
  movq %rbx, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %r11
  popq %r10
  popq %r9
  popq %r8
  popq %rbp
  popq %rdi
  popq %rsi
  popq %rdx
  popq %rcx
  popq %rbx
  popq %rax
  addq $16, %rsp
  iretq

// The stub addresses by vector (0 where there is none).
  .section .rodata
  .p2align 3
  .globl fata_isr_table
fata_isr_table:
.macro entry n
  .quad fata_isr_\n
.endm
.set i, 0
.rept 64
  entry %i
  .set i, i + 1
.endr
.rept 191
  .quad 0
.endr
  .quad fata_isr_255
