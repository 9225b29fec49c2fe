//! Passwords and bearer tokens: argon2 hashes for storage, and HMAC-signed tokens
//! that carry a user id and an expiry. No HTTP here.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How long a token from `POST /api/auth/login` stays valid.
const TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);

type HmacSha256 = Hmac<Sha256>;

/// Hashes a password into a PHC string (`$argon2id$…`) with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| format!("cannot hash the password: {error}"))
}

/// Whether `password` matches a PHC string made by [`hash_password`]; a malformed
/// stored hash matches nothing.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored_hash)
        .is_ok()
}

/// Signs and checks bearer tokens of the form `base64(user_id.expiry).base64(mac)`.
///
/// The key is random per process: tokens end with the process that issued them,
/// which is what a demo wants and spares the user a secret to configure.
#[derive(Clone)]
pub struct TokenSigner {
    /// One SHA-256 block, the key size that HMAC uses as is.
    key: [u8; 64],
}

impl TokenSigner {
    pub fn with_random_key() -> Result<TokenSigner, String> {
        let mut key = [0u8; 64];
        getrandom::fill(&mut key).map_err(|error| format!("no randomness for the key: {error}"))?;
        Ok(TokenSigner { key })
    }

    /// A token for `user_id` that expires [`TOKEN_LIFETIME`] from now.
    pub fn issue(&self, user_id: i64) -> String {
        let expires = unix_seconds(SystemTime::now() + TOKEN_LIFETIME);
        let payload = format!("{user_id}.{expires}");
        let signature = self.mac(payload.as_bytes()).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// The user id in `token` if its signature is ours and it has not expired.
    pub fn verify(&self, token: &str) -> Option<i64> {
        let (payload, signature) = token.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        // verify_slice compares in constant time, so timing says nothing of the MAC.
        self.mac(&payload).verify_slice(&signature).ok()?;
        let payload = String::from_utf8(payload).ok()?;
        let (user_id, expires) = payload.split_once('.')?;
        let expires: u64 = expires.parse().ok()?;
        if unix_seconds(SystemTime::now()) >= expires {
            return None;
        }
        user_id.parse().ok()
    }

    fn mac(&self, payload: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new(&self.key.into());
        mac.update(payload);
        mac
    }
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|duration| duration.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_and_a_forged_one_fails() {
        let signer = TokenSigner::with_random_key().unwrap();
        let token = signer.issue(42);
        assert_eq!(signer.verify(&token), Some(42));
        let other = TokenSigner::with_random_key().unwrap();
        assert_eq!(other.verify(&token), None);
        let (_, signature) = token.split_once('.').unwrap();
        let forged = format!("{}.{signature}", URL_SAFE_NO_PAD.encode("1.99999999999"));
        assert_eq!(signer.verify(&forged), None);
    }

    #[test]
    fn a_password_verifies_against_its_hash_only() {
        let hash = hash_password("secure123").unwrap();
        assert!(hash.starts_with("$argon2"));
        assert!(verify_password("secure123", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("secure123", "not a hash"));
    }
}
