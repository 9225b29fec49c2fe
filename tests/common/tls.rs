//! Certificates made for the tests that run an HTTPS or WSS server of their
//! own: a certificate authority and what it signs (`certificate`), and a
//! self-signed certificate for `localhost` that no client trusts.

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
use openssl::x509::{X509, X509NameBuilder};

/// A new 2048-bit RSA key.
pub fn key() -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
}

/// A certificate for `common_name`, signed by `issuer` (itself when `None`:
/// a certificate authority).
pub fn certificate(
    common_name: &str,
    key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", common_name).unwrap();
    let name = name.build();
    let mut builder = X509::builder().unwrap();
    builder.set_version(2).unwrap();
    let mut serial = BigNum::new().unwrap();
    serial.rand(64, MsbOption::MAYBE_ZERO, false).unwrap();
    builder
        .set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    builder.set_subject_name(&name).unwrap();
    builder
        .set_issuer_name(issuer.map_or(&name, |(ca, _)| ca.subject_name()))
        .unwrap();
    builder.set_pubkey(key).unwrap();
    builder
        .set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::days_from_now(2).unwrap())
        .unwrap();
    if issuer.is_none() {
        builder
            .append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
    } else {
        let san = SubjectAlternativeName::new()
            .dns(common_name)
            .build(&builder.x509v3_context(issuer.map(|(ca, _)| ca.as_ref()), None))
            .unwrap();
        builder.append_extension(san).unwrap();
    }
    builder
        .sign(
            issuer.map_or(key, |(_, ca_key)| ca_key),
            MessageDigest::sha256(),
        )
        .unwrap();
    builder.build()
}

/// A self-signed certificate for `localhost` and its key, both PEM: one ritc
/// must refuse, or accept with `insecure`.
pub fn self_signed_certificate() -> (Vec<u8>, Vec<u8>) {
    let key = key();
    let certificate = certificate("localhost", &key, None);
    (
        certificate.to_pem().unwrap(),
        key.private_key_to_pem_pkcs8().unwrap(),
    )
}
