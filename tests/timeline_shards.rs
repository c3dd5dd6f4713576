//! `Config::timeline` with `Shards`: each shard writes its own file
//! (`PATH.shard0`, `PATH.shard1`, …) instead of all overwriting one.

mod util;
use evloop::services::Echo;
use evloop::{Bind, Config, Shards, TimelineConfig};
use util::*;

#[test]
fn each_shard_writes_its_own_timeline() {
    let base = std::env::temp_dir().join(format!("evloop-shards-{}.json", std::process::id()));
    let file = |i: usize| std::path::PathBuf::from(format!("{}.shard{i}", base.display()));
    for i in 0..2 {
        let _ = std::fs::remove_file(file(i));
    }
    let config = Config {
        timeline: Some(TimelineConfig::new(&base)),
        ..Config::default()
    };
    let running = Shards::new(2, config)
        .expect("shards")
        .start(Bind::Tcp(loopback0()), |_| Echo)
        .expect("start");
    running.shutdown();
    running.wait().expect("clean stop");
    for i in 0..2 {
        let text = std::fs::read_to_string(file(i)).expect("a timeline per shard");
        let _ = std::fs::remove_file(file(i));
        assert!(text.starts_with("{\"displayTimeUnit\""), "{text}");
        assert!(
            text.contains("\"name\":\"tick\""),
            "shard {i} ran at least one tick"
        );
    }
    assert!(!base.exists(), "no shared file");
}
