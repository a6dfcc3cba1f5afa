//! Serving: the actix-web server of one gateway, its routes, and its background examiner.
//!
//! `run` builds the shared [`Gateway`] and serves until the process is stopped: plain HTTP on
//! `listen` (pages and token callers) and, when `[tls]` is configured, HTTPS with mandatory
//! consortium client certificates (`auth::certificate`) for API systems. Request
//! bodies are read by the handlers with their own bounds (see `api::read_body`), so the
//! server's own payload limits are set just above them.

use std::sync::Arc;

use actix_web::{web, App, HttpServer};

use crate::auth::certificate;
use crate::gateway::{Gateway, GatewaySetup};

/// Builds the gateway and serves it; returns when the server stops.
pub async fn run(setup: GatewaySetup) -> anyhow::Result<()> {
    let listen = setup.config.listen;
    let node = setup.node.clone();
    let gateway = Arc::new(Gateway::new(setup).map_err(|e| anyhow::anyhow!("{e}"))?);
    if gateway.config.auto_examine {
        actix_web::rt::spawn(crate::exam::run_background(gateway.clone()));
    }
    actix_web::rt::spawn(crate::follower::follow_commits(gateway.clone()));
    let body_max = gateway.config.limits.body_bytes_max;
    let gateway_tls = gateway.config.tls.clone();
    let revocations = gateway.revocations.clone();
    let data = web::Data::new(gateway);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(body_max))
            .configure(crate::api::configure)
            .configure(crate::pages::configure)
    })
    .workers(2)
    .on_connect(certificate::on_connect)
    .bind(listen)?;
    tracing::info!(%listen, "gateway serving");
    if let Some(tls) = &gateway_tls {
        let config = certificate::tls_config(
            &node.certificate_pem,
            &node.key,
            &node.trust_roots_pem,
            revocations.clone(),
        )
        .map_err(|e| anyhow::anyhow!("the HTTPS listener's certificate: {e}"))?;
        server = server.bind_rustls_0_23(tls.listen, config)?;
        tracing::info!(listen = %tls.listen, "gateway serving HTTPS for client certificates");
    }
    server.run().await?;
    Ok(())
}

/// Runs the gateway on actix's own runtime until the process is stopped (SIGINT or SIGTERM
/// stop the server gracefully).
pub fn run_blocking(setup: GatewaySetup) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(run(setup))
}
