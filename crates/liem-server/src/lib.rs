//! Liêm's server: the services, the JSON API, the HTML pages, sessions and
//! authorisation. The command line builds an [`AppState`] and calls
//! [`router`] or the features' service functions directly.

pub mod account;
pub mod admin;
pub mod app;
pub mod auth;
pub mod cases;
pub mod checkpoints;
pub mod clock;
pub mod committee;
pub mod crypto;
pub mod custody;
pub mod files;
pub mod guard;
pub mod hotspots;
pub mod i18n;
pub mod keys;
pub mod metrics;
pub mod openapi;
pub mod people;
pub mod petitions;
pub mod proxies;
pub mod public;
pub mod reception;
pub mod reports;
pub mod screening;
pub mod sealing;
pub mod search;
pub mod state;
pub mod totp;
pub mod traffic;
pub mod web;

pub use app::{route_list, router};
pub use state::{AppState, Inner, Settings};
