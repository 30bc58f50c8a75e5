//! Databases for tests: a temporary SQLite file always, and a PostgreSQL schema of its own
//! when `CENTINELA_TEST_POSTGRES` holds a URL, so tests run in parallel on both backends.

use crate::{Db, Result};
use uuid::Uuid;

pub const POSTGRES_ENV: &str = "CENTINELA_TEST_POSTGRES";

/// A migrated, empty database that removes itself with [`TestDb::cleanup`].
pub struct TestDb {
    pub db: Db,
    pub label: &'static str,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Schema { url: String, schema: String },
}

impl TestDb {
    pub async fn sqlite() -> Result<TestDb> {
        let path =
            std::env::temp_dir().join(format!("centinela-test-{}.db", Uuid::new_v4().simple()));
        let db = Db::connect(&format!("sqlite://{}", path.display())).await?;
        db.migrate().await?;
        Ok(TestDb {
            db,
            label: "sqlite",
            cleanup: Cleanup::File(path),
        })
    }

    pub async fn postgres(url: &str) -> Result<TestDb> {
        let schema = format!("t_{}", Uuid::new_v4().simple());
        let admin = Db::connect(url).await?;
        admin
            .execute(&format!("CREATE SCHEMA {schema}"), vec![])
            .await?;
        admin.close().await;
        let db = Db::connect_with(url, Some(&schema)).await?;
        db.migrate().await?;
        Ok(TestDb {
            db,
            label: "postgres",
            cleanup: Cleanup::Schema {
                url: url.to_string(),
                schema,
            },
        })
    }

    /// SQLite, plus PostgreSQL when configured.
    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite().await.expect("temporary SQLite database")];
        if let Ok(url) = std::env::var(POSTGRES_ENV)
            && !url.is_empty()
        {
            v.push(
                TestDb::postgres(&url)
                    .await
                    .expect("PostgreSQL test schema (is the server up?)"),
            );
        }
        v
    }

    /// A second pool on the same database, as another replica would open it.
    pub async fn replica(&self) -> Result<Db> {
        match &self.cleanup {
            Cleanup::File(path) => Db::connect(&format!("sqlite://{}", path.display())).await,
            Cleanup::Schema { url, schema } => Db::connect_with(url, Some(schema)).await,
        }
    }

    pub async fn cleanup(self) {
        self.db.close().await;
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Schema { url, schema } => {
                if let Ok(admin) = Db::connect(&url).await {
                    let _ = admin
                        .execute(&format!("DROP SCHEMA {schema} CASCADE"), vec![])
                        .await;
                    admin.close().await;
                }
            }
        }
    }
}
