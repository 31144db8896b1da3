//! Tells the tests whether PostgreSQL and Redis are configured: with both
//! `OXIDP_TEST_DATABASE_URL` and `OXIDP_TEST_REDIS_URL` set, the
//! `oxidp_pg_redis` cfg is on and the backend tests run; without it they are
//! compiled as `#[ignore]`d, so a run shows them as ignored instead of
//! passing tests that did nothing.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(oxidp_pg_redis)");
    println!("cargo::rerun-if-env-changed=OXIDP_TEST_DATABASE_URL");
    println!("cargo::rerun-if-env-changed=OXIDP_TEST_REDIS_URL");
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
    if set("OXIDP_TEST_DATABASE_URL") && set("OXIDP_TEST_REDIS_URL") {
        println!("cargo::rustc-cfg=oxidp_pg_redis");
    }
}
