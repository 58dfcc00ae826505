//! Configuration: typed settings, their layered loading and secret wrapping.
//!
//! Defaults, then `config.yaml`, then the environment (the old service's flat
//! names, then nested `GATEWAY_SECTION__KEY` names). Nothing else in the crate
//! reads environment variables.

mod load;
mod secret;
mod settings;

pub use load::{ConfigError, ConfigSource, child_env, load, no_color};
pub use secret::Secret;
pub use settings::{
    ANONYMOUS, AgentSettings, ApiKeySetting, AuthSettings, ConductorSettings, DestructivePolicy,
    JobSettings, LimitSettings, LlmSettings, LogFormat, McpSettings, ServerSettings, Settings,
    StoreBackend, StoreSettings, is_loopback,
};
