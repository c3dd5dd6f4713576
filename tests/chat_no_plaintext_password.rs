//! chat_server stores no password in plain text: every byte of every file
//! in the data directory is scanned for it, while running and after exit.

mod chat_util;
mod util;

use chat_util::*;
use std::path::Path;

const PASSWORD: &str = "Correct-Horse-Battery-Staple-4711";

#[track_caller]
fn assert_absent(dir: &Path) -> usize {
    let mut files = 0;
    for entry in std::fs::read_dir(dir).expect("read data dir") {
        let path = entry.expect("dir entry").path();
        let bytes = std::fs::read(&path).expect("read file");
        files += 1;
        assert!(
            !bytes
                .windows(PASSWORD.len())
                .any(|w| w == PASSWORD.as_bytes()),
            "{} contains the password in plain text",
            path.display()
        );
    }
    files
}

#[test]
fn data_dir_never_holds_the_plain_text_password() {
    let data = TempDir::new("plaintext");
    let mut server = start(&data, &[]);
    let mut c = Client::connect(server.addr());
    c.add_account("bob", "bob-password");
    c.register("ann", PASSWORD);
    assert_eq!(c.ask("/login ann x"), "ERR already logged in as ann");
    // Messages are stored in plain text (that is their point); make sure
    // the scan does see the files by finding one of them.
    assert_eq!(c.ask("/msg bob marker-text-123"), "OK stored for bob");
    let files = assert_absent(data.path());
    assert!(files >= 1, "no database file found");
    let all: Vec<u8> = std::fs::read_dir(data.path())
        .unwrap()
        .flat_map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(
        all.windows(15).any(|w| w == b"marker-text-123"),
        "the scan did not see the stored message"
    );
    assert_eq!(server.interrupt(), Some(0));
    assert_absent(data.path());
    // Nor in the log.
    let log = server.stderr.lock().unwrap().clone();
    assert!(!log.contains(PASSWORD), "the log shows the password");
}
