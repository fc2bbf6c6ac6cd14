//! HTTP authentication of a simulated berofos: Basic, or Digest (RFC 2617, MD5,
//! `qop="auth"`), checked against the device's user and admin password.

use digest_auth::{AuthContext, AuthorizationHeader, HttpMethod, Qop};

pub const REALM: &str = "berofos";

/// Which scheme the devices ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scheme {
    Basic,
    Digest,
}

/// The `WWW-Authenticate` value of a 401.
pub fn challenge(scheme: Scheme, nonce: &str) -> String {
    match scheme {
        Scheme::Basic => format!("Basic realm=\"{REALM}\""),
        Scheme::Digest => {
            format!("Digest realm=\"{REALM}\", nonce=\"{nonce}\", qop=\"auth\", algorithm=MD5")
        }
    }
}

/// Whether `authorization` (the header, if any) proves `user:password` under `scheme`.
pub fn check(
    scheme: Scheme,
    authorization: Option<&str>,
    method: &str,
    nonce: &str,
    user: &str,
    password: &str,
) -> bool {
    let Some(h) = authorization.map(str::trim) else {
        return false;
    };
    let Some((kind, rest)) = h.split_once(' ') else {
        return false;
    };
    match scheme {
        Scheme::Basic if kind.eq_ignore_ascii_case("basic") => base64_decode(rest.trim())
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| {
                s.split_once(':')
                    .map(|(u, p)| (u.to_string(), p.to_string()))
            })
            .is_some_and(|(u, p)| u == user && p == password),
        Scheme::Digest if kind.eq_ignore_ascii_case("digest") => {
            check_digest(rest, method, nonce, user, password)
        }
        _ => false,
    }
}

fn check_digest(fields: &str, method: &str, nonce: &str, user: &str, password: &str) -> bool {
    let Ok(got) = AuthorizationHeader::parse(fields) else {
        return false;
    };
    if got.username != user || got.realm != REALM || got.nonce != nonce || got.userhash {
        return false;
    }
    if !matches!(got.qop, None | Some(Qop::AUTH)) || got.algorithm.sess {
        return false;
    }
    if got.algorithm.algo != digest_auth::AlgorithmType::MD5 {
        return false;
    }
    let mut want = got.clone();
    let ctx = AuthContext::new_with_method(
        user,
        password,
        got.uri.as_str(),
        Option::<&[u8]>::None,
        HttpMethod(method.to_string().into()),
    );
    want.digest(&ctx);
    want.response.eq_ignore_ascii_case(&got.response)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(B64[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64; padding optional; `None` on anything else.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for b in s.bytes() {
        let v = B64.iter().position(|&c| c == b)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use digest_auth::WwwAuthenticateHeader;

    #[test]
    fn base64_round_trip() {
        for s in ["", "a", "ab", "abc", "admin:se:cret"] {
            let e = base64_encode(s.as_bytes());
            assert_eq!(base64_decode(&e).unwrap(), s.as_bytes(), "{e}");
        }
        assert_eq!(base64_encode(b"admin:pw"), "YWRtaW46cHc=");
        assert!(base64_decode("a*b").is_none());
    }

    #[test]
    fn basic() {
        let h = format!("Basic {}", base64_encode(b"admin:p:w"));
        assert!(check(Scheme::Basic, Some(&h), "GET", "", "admin", "p:w"));
        assert!(!check(Scheme::Basic, Some(&h), "GET", "", "admin", "p"));
        assert!(!check(Scheme::Digest, Some(&h), "GET", "n", "admin", "p:w"));
        assert!(!check(Scheme::Basic, None, "GET", "", "admin", "p:w"));
        assert!(!check(Scheme::Basic, Some("Basic"), "GET", "", "admin", ""));
        assert!(!check(
            Scheme::Basic,
            Some("Basic %%%"),
            "GET",
            "",
            "admin",
            ""
        ));
    }

    #[test]
    fn digest_as_a_client_answers() {
        let nonce = "0123abcd";
        let mut prompt = WwwAuthenticateHeader::parse(&challenge(Scheme::Digest, nonce)).unwrap();
        let ctx = AuthContext::new("admin", "secret", "/?cmd=4&mode=1");
        let answer = prompt.respond(&ctx).unwrap().to_string();
        assert!(check(
            Scheme::Digest,
            Some(&answer),
            "GET",
            nonce,
            "admin",
            "secret"
        ));
        assert!(!check(
            Scheme::Digest,
            Some(&answer),
            "GET",
            nonce,
            "admin",
            "other"
        ));
        assert!(!check(
            Scheme::Digest,
            Some(&answer),
            "GET",
            "stale",
            "admin",
            "secret"
        ));
        assert!(!check(
            Scheme::Digest,
            Some(&answer),
            "POST",
            nonce,
            "admin",
            "secret"
        ));
        assert!(!check(
            Scheme::Digest,
            Some("Digest garbage"),
            "GET",
            nonce,
            "admin",
            "x"
        ));
    }
}
