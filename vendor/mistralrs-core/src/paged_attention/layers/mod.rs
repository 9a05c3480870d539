// kefu: paged attention on the CPU (`cpu`), in every build; builds with CUDA
// or Metal keep upstream's layer and hand it CPU tensors to `cpu::attend`.
pub mod cpu;
mod cpu_kernels;
mod cpu_vec;

#[cfg(any(all(feature = "cuda", target_family = "unix"), feature = "metal"))]
pub mod paged_attention;
#[cfg(any(all(feature = "cuda", target_family = "unix"), feature = "metal"))]
pub use paged_attention::PagedAttention;

#[cfg(not(any(all(feature = "cuda", target_family = "unix"), feature = "metal")))]
pub use cpu::PagedAttention;
