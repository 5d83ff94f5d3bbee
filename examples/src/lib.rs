//! Runnable examples of redengine live under `examples/`.
