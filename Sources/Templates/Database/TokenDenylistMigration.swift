import Renderer

/// Migration 0005: the JWT denylist for emergency revocation (token id and expiry only).
enum TokenDenylistMigration {
    static let name = "token_denylist"
    static let summary = "revoked token ids (jti) until their expiry, for emergency revocation."

    static let tokenDenylist = SQLName(schema: DatabaseMigrations.schema, "token_denylist")

    static func statements() -> [SQLStatement] {
        [
            .createTable(
                SQLCreateTable(
                    tokenDenylist,
                    columns: [
                        SQLColumn("jti", .text, primaryKey: true, check: TenantIsolation.machineKey("jti")),
                        SQLColumn("expires_at", .timestamptz),
                    ])),
            .createIndex(SQLCreateIndex("token_denylist_expires_at_idx", on: tokenDenylist, columns: ["expires_at"])),
            .comment(
                SQLCommentOn(
                    .table(tokenDenylist),
                    "Revoked token ids; a row may be deleted once expires_at has passed (the token is invalid anyway).")),
            TenantIsolation.grant([.select, .insert, .delete], on: tokenDenylist),
        ]
    }
}
