//! Neural-network ops.

pub mod bias_add;
pub mod elu;
pub mod leaky_relu;
pub mod log_softmax;
pub mod relu;
pub mod relu6;
pub mod selu;
pub mod softmax;
pub mod softplus;
pub mod softsign;
