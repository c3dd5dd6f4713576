//! chat_server passwords: `/register` refuses one that starts or ends with
//! whitespace (an invisible character that would later lock its owner
//! out), and `/login` trims it, so a stray or doubled space does no harm.

mod chat_util;
mod util;

use chat_util::*;

#[test]
fn edge_whitespace_is_refused_at_register_and_trimmed_at_login() {
    let data = TempDir::new("passwords");
    let server = start(&data, &[]);
    let mut c = Client::connect(server.addr());
    let refused = "ERR a password may not start or end with whitespace";
    assert_eq!(c.ask("/register ann secret "), refused);
    assert_eq!(c.ask("/register ann  secret"), refused);
    // Spaces inside are part of the password.
    c.add_account("ann", "two words");
    assert_eq!(c.ask("/login ann two  words"), "ERR wrong name or password");
    assert_eq!(c.ask("/login ann  two words  "), "OK welcome ann");
}
