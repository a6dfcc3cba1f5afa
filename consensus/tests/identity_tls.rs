//! Real rustls handshakes between consortium identities, in memory: a client and a server
//! connection exchange TLS records through byte buffers until both finish or one refuses.
//! Shows that mutual TLS admits a good pair (each side learning the other's participant), and
//! that the server refuses a client from an unknown CA or one the admission policy refuses, and
//! that the client refuses a server it cannot trust.

use std::collections::BTreeSet;
use std::sync::Arc;

use consensus::identity::{
    client_config, init_ca, issue, peer_participant, refusal_reason, server_config,
    AdmissionPolicy, CaBundle, IdentityError, IssueRequest, Participant, ParticipantRole,
    TlsIdentity, TrustAnchors, SERVER_NAME,
};
use ed25519_dalek::SigningKey;
use rustls::{ClientConnection, Connection, ServerConnection};
use rustls_pki_types::ServerName;
use trade_docs::Country;

/// 2026-09-21, an arbitrary fixed "now".
const NOW: i64 = 1_790_000_000;

fn clock() -> i64 {
    NOW
}

struct Node {
    identity: TlsIdentity,
    participant: Participant,
}

fn node(ca: &CaBundle, country: Country, name: &str, seed: u8) -> Node {
    let request = IssueRequest {
        org: format!("{country} Validator Operator"),
        name: name.into(),
        country,
        role: ParticipantRole::Validator,
        key: SigningKey::from_bytes(&[seed; 32]),
        validity_days: 365,
        dns_names: vec![],
    };
    let pem = issue(ca, &request, NOW).expect("issue");
    let identity = TlsIdentity::from_pem(&pem, &request.key).expect("tls identity");
    let participant = peer_participant(&identity.cert_chain[0]).expect("parse");
    Node {
        identity,
        participant,
    }
}

fn admit_all() -> AdmissionPolicy {
    Arc::new(|_| Ok(()))
}

/// Refuses the listed keys, as the ledger's revocations would.
fn refuse_revoked(revoked: BTreeSet<[u8; 32]>) -> AdmissionPolicy {
    Arc::new(move |participant: &Participant| {
        if revoked.contains(&participant.public_key) {
            Err(format!(
                "key {} is revoked",
                hex::encode(participant.public_key)
            ))
        } else {
            Ok(())
        }
    })
}

struct Consortium {
    kz: CaBundle,
    cn: CaBundle,
    anchors: Arc<TrustAnchors>,
}

fn consortium() -> Consortium {
    let kz = init_ca(Country::KZ, "SilkwayChain consortium", NOW, 3650).unwrap();
    let cn = init_ca(Country::CN, "SilkwayChain consortium", NOW, 3650).unwrap();
    let anchors = Arc::new(TrustAnchors::from_pems(&[&kz.cert_pem, &cn.cert_pem]).unwrap());
    Consortium { kz, cn, anchors }
}

/// Which side's `process_new_packets` failed, and with what.
#[derive(Debug)]
enum Refused {
    ByServer(rustls::Error),
    ByClient(rustls::Error),
}

fn connect(
    client: (&Node, &Arc<TrustAnchors>, AdmissionPolicy),
    server: (&Node, &Arc<TrustAnchors>, AdmissionPolicy),
) -> (Connection, Connection, Result<(), Refused>) {
    let client_config =
        client_config(&client.0.identity, client.1.clone(), client.2, clock).unwrap();
    let server_config =
        server_config(&server.0.identity, server.1.clone(), server.2, clock).unwrap();
    let name = ServerName::try_from(SERVER_NAME).unwrap();
    let mut client =
        Connection::from(ClientConnection::new(Arc::new(client_config), name).unwrap());
    let mut server = Connection::from(ServerConnection::new(Arc::new(server_config)).unwrap());
    let outcome = drive(&mut client, &mut server);
    (client, server, outcome)
}

/// Moves records both ways until the handshake is over on both sides and nothing is left to
/// send; a TLS 1.3 handshake needs three flights, so ten rounds is plenty.
fn drive(client: &mut Connection, server: &mut Connection) -> Result<(), Refused> {
    for _ in 0..10 {
        let done = !client.is_handshaking() && !server.is_handshaking();
        if done && !client.wants_write() && !server.wants_write() {
            return Ok(());
        }
        transfer(client, server).map_err(Refused::ByServer)?;
        transfer(server, client).map_err(Refused::ByClient)?;
    }
    panic!("the handshake did not finish in ten rounds");
}

fn transfer(from: &mut Connection, to: &mut Connection) -> Result<(), rustls::Error> {
    let mut buffer = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut buffer).unwrap();
    }
    let mut records = buffer.as_slice();
    while !records.is_empty() {
        to.read_tls(&mut records).unwrap();
        to.process_new_packets()?;
    }
    Ok(())
}

/// Our verifier's reason inside a handshake error.
fn reason(error: &rustls::Error) -> &IdentityError {
    refusal_reason(error).unwrap_or_else(|| panic!("not a refusal by our verifier: {error}"))
}

fn peer(connection: &Connection) -> Participant {
    let certs = connection.peer_certificates().expect("peer certificates");
    peer_participant(&certs[0]).unwrap()
}

#[test]
fn a_good_pair_connects_and_each_side_learns_the_other() {
    let c = consortium();
    let server = node(&c.kz, Country::KZ, "kz-validator-1", 1);
    let client = node(&c.cn, Country::CN, "cn-validator-1", 2);
    let (client_conn, server_conn, outcome) = connect(
        (&client, &c.anchors, admit_all()),
        (&server, &c.anchors, admit_all()),
    );
    outcome.unwrap();
    assert_eq!(peer(&server_conn), client.participant);
    assert_eq!(peer(&client_conn), server.participant);
    assert_eq!(peer(&server_conn).country, Country::CN);
    assert_eq!(
        client_conn.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
}

#[test]
fn a_client_from_an_unknown_ca_is_refused_by_the_server() {
    let c = consortium();
    let server = node(&c.kz, Country::KZ, "kz-validator-1", 1);
    let rogue_ca = init_ca(Country::KZ, "Not The Consortium", NOW, 3650).unwrap();
    let rogue = node(&rogue_ca, Country::KZ, "kz-validator-9", 9);
    let (mut client_conn, mut server_conn, outcome) = connect(
        (&rogue, &c.anchors, admit_all()),
        (&server, &c.anchors, admit_all()),
    );
    match outcome {
        Err(Refused::ByServer(error)) => assert_eq!(reason(&error), &IdentityError::UnknownIssuer),
        other => panic!("expected the server to refuse, got {other:?}"),
    }
    // The client learns of the refusal from the server's alert.
    let alert = transfer(&mut server_conn, &mut client_conn).unwrap_err();
    assert_eq!(
        alert,
        rustls::Error::AlertReceived(rustls::AlertDescription::CertificateUnknown)
    );
}

#[test]
fn a_client_the_policy_refuses_is_refused_by_the_server() {
    let c = consortium();
    let server = node(&c.kz, Country::KZ, "kz-validator-1", 1);
    let revoked = node(&c.cn, Country::CN, "cn-validator-2", 3);
    let policy = refuse_revoked([revoked.participant.public_key].into());
    let (_, _, outcome) = connect(
        (&revoked, &c.anchors, admit_all()),
        (&server, &c.anchors, policy),
    );
    match outcome {
        Err(Refused::ByServer(error)) => {
            let expected = format!(
                "key {} is revoked",
                hex::encode(revoked.participant.public_key)
            );
            assert_eq!(reason(&error), &IdentityError::Refused { reason: expected });
        }
        other => panic!("expected the server to refuse, got {other:?}"),
    }
}

#[test]
fn a_server_the_client_cannot_trust_is_refused_by_the_client() {
    let c = consortium();
    let server = node(&c.kz, Country::KZ, "kz-validator-1", 1);
    let client = node(&c.cn, Country::CN, "cn-validator-1", 2);
    // This client trusts only the Chinese root, so a Kazakh server is unknown to it.
    let cn_only = Arc::new(TrustAnchors::from_pems(&[&c.cn.cert_pem]).unwrap());
    let (_, _, outcome) = connect(
        (&client, &cn_only, admit_all()),
        (&server, &c.anchors, admit_all()),
    );
    match outcome {
        Err(Refused::ByClient(error)) => assert_eq!(reason(&error), &IdentityError::UnknownIssuer),
        other => panic!("expected the client to refuse, got {other:?}"),
    }
}

#[test]
fn an_expired_certificate_is_refused() {
    fn ten_years_later() -> i64 {
        NOW + 10 * 365 * 86_400
    }
    let c = consortium();
    let server = node(&c.kz, Country::KZ, "kz-validator-1", 1);
    let client = node(&c.cn, Country::CN, "cn-validator-1", 2);
    let client_config = client_config(&client.identity, c.anchors.clone(), admit_all(), clock);
    let server_config = server_config(
        &server.identity,
        c.anchors.clone(),
        admit_all(),
        ten_years_later,
    );
    let name = ServerName::try_from(SERVER_NAME).unwrap();
    let mut client_conn =
        Connection::from(ClientConnection::new(Arc::new(client_config.unwrap()), name).unwrap());
    let mut server_conn =
        Connection::from(ServerConnection::new(Arc::new(server_config.unwrap())).unwrap());
    match drive(&mut client_conn, &mut server_conn) {
        Err(Refused::ByServer(error)) => assert_eq!(
            reason(&error),
            &IdentityError::Expired {
                not_after_unix_s: client.participant.not_after_unix_s,
                now_unix_s: ten_years_later(),
            }
        ),
        other => panic!("expected the server to refuse, got {other:?}"),
    }
}
