import Renderer

/// Migration 0004: platform-wide service configuration (the source of truth for hot
/// reload), with a strictly increasing version per key, and its append-only history.
///
/// These are platform tables, not tenant data: no row-level security, and the application
/// role may read history but never change it.
enum ConfigurationMigration {
    static let name = "configuration"
    static let summary = "service configuration with a monotonic version per key and its append-only history."

    static let serviceConfigs = SQLName(schema: DatabaseMigrations.schema, "service_configs")
    static let configHistory = SQLName(schema: DatabaseMigrations.schema, "config_history")
    static let guardVersion = SQLName(schema: DatabaseMigrations.schema, "guard_service_config_version")
    static let recordChange = SQLName(schema: DatabaseMigrations.schema, "record_service_config_change")
    static let refuseChange = SQLName(schema: DatabaseMigrations.schema, "refuse_history_change")
    /// The `LISTEN` channel that announces a change; the payload is `{"key": …, "version": …}`, never the value.
    static let notificationChannel = "config_changed"

    static func statements() -> [SQLStatement] {
        configTable() + historyTable() + triggers()
    }

    static func keyCheck(_ column: String) -> SQLExpression {
        .matches(.column(column), "^[a-z][a-z0-9_.-]{0,127}$")
    }

    /// A configuration value is at most 64 KiB of JSON text.
    static func valueSizeCheck() -> SQLExpression {
        .binary(.function("octet_length", .cast(.column("value"), .text)), .lessOrEqual, .integer(65536))
    }

    static func configTable() -> [SQLStatement] {
        [
            .createTable(
                SQLCreateTable(
                    serviceConfigs,
                    columns: [
                        SQLColumn("key", .text, primaryKey: true, check: keyCheck("key")),
                        SQLColumn("value", .jsonb, check: valueSizeCheck()),
                        SQLColumn(
                            "version", .bigint, check: .binary(.column("version"), .greaterOrEqual, .integer(1))),
                        TenantIsolation.timestamp("updated_at"),
                    ])),
            .comment(
                SQLCommentOn(
                    .table(serviceConfigs),
                    "Platform-wide configuration (not tenant data). Every change must raise version; each change is copied to config_history and announced on channel \(notificationChannel)."
                )),
            TenantIsolation.grant([.select, .insert, .update("value", "version")], on: serviceConfigs),
        ]
    }

    static func historyTable() -> [SQLStatement] {
        [
            .createTable(
                SQLCreateTable(
                    configHistory,
                    columns: [
                        SQLColumn("id", .bigserial, primaryKey: true),
                        SQLColumn("key", .text, check: keyCheck("key")),
                        SQLColumn("version", .bigint),
                        SQLColumn("value", .jsonb, check: valueSizeCheck()),
                        TenantIsolation.timestamp("changed_at"),
                    ],
                    constraints: [.unique(name: "config_history_key_version_key", columns: ["key", "version"])])),
            .comment(
                SQLCommentOn(
                    .table(configHistory),
                    "Append-only audit of service_configs: UPDATE, DELETE and TRUNCATE are refused by triggers.")),
            TenantIsolation.grant([.select], on: configHistory),
        ]
    }

    static func triggers() -> [SQLStatement] {
        var statements: [SQLStatement] = [
            .createFunction(
                SQLCreateFunction(
                    guardVersion, returns: .trigger, language: .plpgsql, searchPath: TenantIsolation.functionSearchPath,
                    body: """
                        BEGIN
                            IF NEW.key IS DISTINCT FROM OLD.key THEN
                                RAISE EXCEPTION 'the key of a service configuration cannot change (% to %)', OLD.key, NEW.key
                                    USING ERRCODE = 'check_violation';
                            END IF;
                            IF NEW.version <= OLD.version THEN
                                RAISE EXCEPTION 'version of % must increase: current %, proposed %', OLD.key, OLD.version, NEW.version
                                    USING ERRCODE = 'check_violation';
                            END IF;
                            NEW.updated_at := pg_catalog.now();
                            RETURN NEW;
                        END
                        """))
        ]
        statements += TenantIsolation.functionPrivileges(guardVersion, arguments: [], callable: false)
        statements += [
            .lineComment(
                "SECURITY DEFINER: the history row is written with the owner's rights, so the application role needs\nno INSERT on config_history. The notification carries the key and version only, never the value."
            ),
            .createFunction(
                SQLCreateFunction(
                    recordChange, returns: .trigger, language: .plpgsql, securityDefiner: true,
                    searchPath: TenantIsolation.functionSearchPath,
                    body: """
                        BEGIN
                            INSERT INTO app.config_history (key, version, value) VALUES (NEW.key, NEW.version, NEW.value);
                            PERFORM pg_catalog.pg_notify(
                                '\(notificationChannel)',
                                pg_catalog.json_build_object('key', NEW.key, 'version', NEW.version)::text
                            );
                            RETURN NULL;
                        END
                        """)),
        ]
        statements += TenantIsolation.functionPrivileges(recordChange, arguments: [], callable: false)
        statements += [
            .createFunction(
                SQLCreateFunction(
                    refuseChange, returns: .trigger, language: .plpgsql, searchPath: TenantIsolation.functionSearchPath,
                    body: """
                        BEGIN
                            RAISE EXCEPTION '% on %.% is refused: the table is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
                                USING ERRCODE = 'insufficient_privilege';
                        END
                        """))
        ]
        statements += TenantIsolation.functionPrivileges(refuseChange, arguments: [], callable: false)
        statements += [
            .createTrigger(
                SQLCreateTrigger(
                    "service_configs_guard_version", on: serviceConfigs, .before, [.update()], forEach: .row,
                    execute: guardVersion)),
            .createTrigger(
                SQLCreateTrigger(
                    "service_configs_record_change", on: serviceConfigs, .after, [.insert, .update()], forEach: .row,
                    execute: recordChange)),
            .createTrigger(
                SQLCreateTrigger(
                    "config_history_append_only", on: configHistory, .before, [.update(), .delete], forEach: .row,
                    execute: refuseChange)),
            .createTrigger(
                SQLCreateTrigger(
                    "config_history_no_truncate", on: configHistory, .before, [.truncate], forEach: .statement,
                    execute: refuseChange)),
        ]
        return statements
    }
}
