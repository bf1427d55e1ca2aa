"""PyTorch at a stated thread count. `torch.set_num_threads` bounds PyTorch's own pools (OpenMP,
oneDNN's convolutions) but not OpenBLAS's, which Debian's PyTorch calls for its dense products
(BLAS_INFO=generic: libblas.so.3, OpenBLAS with pthreads): a peer said to run on 1 thread ran its
matrix products on both cores (measured 2026-12-05: 3,000 products of 128 x 784 by 784 x 128 took
1.08 s of wall time and 2.16 s of CPU; held to one thread, 0.78 s and 0.78 s). threadpoolctl holds
OpenBLAS's pool to the same count (it reports it: the peers' `blas` field)."""

_held = []


def use_threads(torch, threads):
    """PyTorch's pools and OpenBLAS's both at `threads`."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise SystemExit("python3-threadpoolctl is needed to hold OpenBLAS to the peer's thread count (apt-get install python3-threadpoolctl)")
    torch.set_num_threads(threads)
    _held.append(threadpool_limits(limits=threads, user_api="blas"))
