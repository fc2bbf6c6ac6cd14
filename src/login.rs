//! A berofos login, `user:password`: read from the configuration file or `-u`, sent
//! by the HTTP face. Its own module, below both, so that neither the transport nor
//! the file knows the other. The password never shows in `Debug`.

use std::fmt;

/// `user:password` for the HTTP face. The password never shows in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub password: String,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Login({}:***)", self.user)
    }
}

impl Login {
    /// `user:password`; the password may itself contain `:`.
    pub fn parse(s: &str) -> Option<Login> {
        let (user, password) = s.split_once(':')?;
        (!user.is_empty()).then(|| Login {
            user: user.to_string(),
            password: password.to_string(),
        })
    }
}
