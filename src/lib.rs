//! conductor-gateway
pub mod demo;
