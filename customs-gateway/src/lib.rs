//! The gateway: the HTTP API (`/api/v1`, actix-web) and the server-rendered pages through
//! which exporters, banks and officers use the corridor, over the ledger link of `actors`.
//!
//! Code map:
//! - [`server`]: serving, and the background examiner; [`config`]: the typed configuration;
//! - [`gateway`]: shared state — who is calling, signing and submitting for an organization,
//!   reading a document under a ledger grant (locally or from another jurisdiction);
//! - [`commands`]: every state-changing operation as one [`commands::Command`] value, shared by
//!   the API, the pages and maker/checker; [`exam`]: the automatic UCP 600 examination;
//! - [`api`] (routes, listed once in [`api::ROUTES`]), [`openapi`], [`pages`] and [`text`]
//!   (every word the pages show); [`views`]: read models; [`error`]: the one HTTP error type;
//! - [`docstore`]: this jurisdiction's document bytes by content hash, with the read log;
//!   [`fetch`]: signed fetches between gateways; [`readcache`]: verify answers kept for one
//!   committed height; [`follower`]: follows commits to keep derived data fresh; [`auth`]: users, passwords, TOTP, tokens,
//!   sessions, replay protection, maker/checker approvals.
//! - [`customs`]: the pure clearance core — HS nomenclature, declaration validation, rule
//!   sets, evaluation with mirror check and random draw, back-tests.
//!
//! Architecture invariant: the gateway holds no ledger state. It reads every instrument,
//! anchor and grant from its node, and signs only for the organizations whose keys it holds.
//! What it deliberately does not do: decide trade rules (the ledger's state machines do),
//! store another jurisdiction's document bytes (it relays them under a grant), or run
//! deadlines and notifications (the actors).
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
pub mod commands;
pub mod config;
pub mod customs;
pub mod docstore;
pub mod error;
pub mod exam;
pub mod fetch;
pub mod follower;
pub mod gateway;
pub mod openapi;
pub mod pages;
pub mod readcache;
pub mod server;
pub mod text;
pub mod views;

pub use config::GatewayConfig;
pub use gateway::{Gateway, GatewaySetup};
