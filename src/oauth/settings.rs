//! What lettermerge needs to know of an OAuth 2 provider (endpoints, client id, scopes, flow,
//! SASL mechanism), as the config's `[smtp.oauth]` gives it (see `config::oauth`).

/// How `lettermerge login` gets the user's consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// RFC 8628 device authorization grant: "go to this URL, enter this code".
    Device,
    /// Authorization code with PKCE (RFC 7636) and a redirect to 127.0.0.1 (RFC 8252).
    Loopback,
}

/// The SASL mechanism the access token is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    XOAuth2,
    OAuthBearer,
}

/// The OAuth provider, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthConfig {
    /// The name of the preset it came from, if any (part of the token store's key).
    pub provider: Option<&'static str>,
    /// Extra parameters of the authorization request (Google: offline access, consent).
    pub authorize_params: &'static [(&'static str, &'static str)],
    pub authorization_url: Option<String>,
    pub token_url: String,
    pub device_url: Option<String>,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub flow: Flow,
    pub mechanism: Mechanism,
    /// A command whose output is the client secret (Google's installed apps have one).
    pub client_secret_command: Option<String>,
    /// The config file, as the user named it (for "run lettermerge login --config F").
    pub config_name: String,
    /// CA certificate(s), PEM, to trust for the endpoints instead of the built-in Mozilla
    /// roots (a proxy that inspects TLS, a provider inside the organisation).
    pub ca_file: Option<std::path::PathBuf>,
}
