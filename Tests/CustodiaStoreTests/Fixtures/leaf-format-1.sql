PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
INSERT INTO grdb_migrations VALUES('v1');
INSERT INTO grdb_migrations VALUES('v2-users');
INSERT INTO grdb_migrations VALUES('v3-event-holders');
INSERT INTO grdb_migrations VALUES('v4-web');
INSERT INTO grdb_migrations VALUES('v5-search-per-chunk');
CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
INSERT INTO meta VALUES('application','custodia');
INSERT INTO meta VALUES('schema','5');
INSERT INTO meta VALUES('origin','legacy.example/custodia');
INSERT INTO meta VALUES('verifierKey','legacy.example/custodia+e09f16aa+AWbmg3PNUIE2xyrw4nZZfG57DNzikr4yiexvfjRB3N/d');
INSERT INTO meta VALUES('createdAt','2026-12-06T04:18:01Z');
CREATE TABLE holders(
    code TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK(kind = 'region' OR kind = 'zone' OR kind = 'site' OR kind = 'unit' OR kind = 'person' OR kind = 'external'),
    name TEXT NOT NULL,
    parent TEXT REFERENCES holders(code),
    closed INTEGER NOT NULL DEFAULT 0 CHECK(closed IN (0, 1)),
    added_seq INTEGER NOT NULL);
INSERT INTO holders VALUES('R1','region','North',NULL,0,0);
INSERT INTO holders VALUES('S1','site','Depot One','R1',0,1);
INSERT INTO holders VALUES('U1','unit','First Unit','S1',0,2);
CREATE TABLE events(
    seq INTEGER PRIMARY KEY NOT NULL CHECK(seq >= 0),
    kind TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    leaf BLOB NOT NULL);
INSERT INTO events VALUES(0,'holder-add','2026-12-06T04:18:01Z',X'7b22686f6c646572223a7b22636f6465223a225231222c226b696e64223a22726567696f6e222c226e616d65223a224e6f727468222c22706172656e74223a6e756c6c7d2c226b696e64223a22686f6c6465722d616464222c226f636375727265644174223a22323032362d31322d30365430343a31383a30315a222c227265636f726465644174223a22323032362d31322d30365430343a31383a30315a222c227265636f726465644279223a22636c69227d');
INSERT INTO events VALUES(1,'holder-add','2026-12-06T04:18:01Z',X'7b22686f6c646572223a7b22636f6465223a225331222c226b696e64223a2273697465222c226e616d65223a224465706f74204f6e65222c22706172656e74223a225231227d2c226b696e64223a22686f6c6465722d616464222c226f636375727265644174223a22323032362d31322d30365430343a31383a30315a222c227265636f726465644174223a22323032362d31322d30365430343a31383a30315a222c227265636f726465644279223a22636c69227d');
INSERT INTO events VALUES(2,'holder-add','2026-12-06T04:18:01Z',X'7b22686f6c646572223a7b22636f6465223a225531222c226b696e64223a22756e6974222c226e616d65223a22466972737420556e6974222c22706172656e74223a225331227d2c226b696e64223a22686f6c6465722d616464222c226f636375727265644174223a22323032362d31322d30365430343a31383a30315a222c227265636f726465644174223a22323032362d31322d30365430343a31383a30315a222c227265636f726465644279223a22636c69227d');
INSERT INTO events VALUES(3,'register','2026-12-06T04:18:01Z',X'7b226974656d73223a5b7b2263616c69627265223a22352e3435783339222c2263617465676f7279223a2261737361756c742d7269666c65222c22636f756e747279223a225255222c226d616e756661637475726572223a224b616c6173686e696b6f76222c226d6f64656c223a22414b2d37344d222c2273657269616c223a22414b2d31222c2279656172223a313939307d5d2c226b696e64223a227265676973746572222c226f636375727265644174223a22323032362d31322d30365430343a31383a30315a222c227265636f726465644174223a22323032362d31322d30365430343a31383a30315a222c227265636f726465644279223a22636c69222c22746f223a225331227d');
INSERT INTO events VALUES(4,'register','2026-12-06T04:18:01Z',X'7b226974656d73223a5b7b2263616c69627265223a22352e3435783339222c2263617465676f7279223a2261737361756c742d7269666c65222c22636f756e747279223a225255222c226d616e756661637475726572223a224b616c6173686e696b6f76222c226d6f64656c223a22414b2d37344d222c2273657269616c223a22414b2d32222c2279656172223a313939317d5d2c226b696e64223a227265676973746572222c226f636375727265644174223a22323032362d31322d30365430343a31383a30315a222c227265636f726465644174223a22323032362d31322d30365430343a31383a30315a222c227265636f726465644279223a22636c69222c22746f223a225331227d');
INSERT INTO events VALUES(5,'issue','2026-03-01T08:00:00Z',X'7b2266726f6d223a225331222c226974656d73223a5b7b226d616e756661637475726572223a224b616c6173686e696b6f76222c226d6f64656c223a22414b2d37344d222c2273657269616c223a22414b2d31227d5d2c226b696e64223a226973737565222c226f636375727265644174223a22323032362d30332d30315430383a30303a30305a222c227265636f726465644174223a22323032362d31322d30365430343a31383a30315a222c227265636f726465644279223a22636c69222c22746f223a225531227d');
CREATE TABLE items(
    id INTEGER PRIMARY KEY NOT NULL,
    category TEXT NOT NULL CHECK(category = 'revolver-pistol' OR category = 'rifle-carbine' OR category = 'submachine-gun' OR category = 'assault-rifle' OR category = 'light-machine-gun' OR category = 'heavy-machine-gun' OR category = 'grenade-launcher' OR category = 'anti-tank-gun' OR category = 'anti-aircraft-gun' OR category = 'recoilless-rifle' OR category = 'anti-tank-missile-launcher' OR category = 'manpads-launch-mechanism' OR category = 'manpads-missile' OR category = 'manpads-battery' OR category = 'mortar' OR category = 'other'),
    manufacturer TEXT NOT NULL,
    country TEXT NOT NULL,
    model TEXT NOT NULL,
    calibre TEXT NOT NULL,
    serial TEXT NOT NULL,
    year INTEGER,
    import_country TEXT,
    import_year INTEGER,
    marks TEXT,
    assigned_mark INTEGER NOT NULL DEFAULT 0,
    registered_seq INTEGER NOT NULL,
    status TEXT NOT NULL CHECK(status = 'held' OR status = 'in-transit' OR status = 'missing' OR status = 'expended' OR status = 'destroyed' OR status = 'exported' OR status = 'deactivated'),
    holder TEXT REFERENCES holders(code),
    account TEXT REFERENCES holders(code),
    condition TEXT NOT NULL CHECK(condition = 'serviceable' OR condition = 'unserviceable' OR condition = 'repairable' OR condition = 'surplus' OR condition = 'awaiting-destruction'),
    due_back TEXT,
    transit TEXT,
    last_counted TEXT,
    last_seq INTEGER NOT NULL,
    CHECK((status = 'held') = (holder IS NOT NULL) OR status = 'deactivated'));
INSERT INTO items VALUES(1,'assault-rifle','Kalashnikov','RU','AK-74M','5.45x39','AK-1',1990,NULL,NULL,NULL,0,3,'held','U1','S1','serviceable',NULL,NULL,NULL,5);
INSERT INTO items VALUES(2,'assault-rifle','Kalashnikov','RU','AK-74M','5.45x39','AK-2',1991,NULL,NULL,NULL,0,4,'held','S1','S1','serviceable',NULL,NULL,NULL,4);
CREATE TABLE event_items(
    item_id INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(item_id, seq)) WITHOUT ROWID;
INSERT INTO event_items VALUES(1,5);
CREATE TABLE lots(
    id INTEGER PRIMARY KEY NOT NULL,
    lot TEXT NOT NULL,
    manufacturer TEXT NOT NULL,
    calibre TEXT NOT NULL,
    type TEXT NOT NULL,
    year INTEGER,
    registered_seq INTEGER NOT NULL,
    UNIQUE(lot, manufacturer));
CREATE TABLE event_lots(
    lot_id INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(lot_id, seq)) WITHOUT ROWID;
CREATE TABLE lot_balances(
    lot_id INTEGER NOT NULL REFERENCES lots(id),
    holder TEXT NOT NULL REFERENCES holders(code),
    quantity INTEGER NOT NULL CHECK(quantity >= 0),
    PRIMARY KEY(lot_id, holder)) WITHOUT ROWID;
CREATE TABLE lot_missing(
    lot_id INTEGER PRIMARY KEY NOT NULL REFERENCES lots(id),
    quantity INTEGER NOT NULL CHECK(quantity >= 0));
CREATE TABLE dispatches(
    document TEXT PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    from_holder TEXT NOT NULL REFERENCES holders(code),
    to_holder TEXT NOT NULL REFERENCES holders(code),
    items_in_transit INTEGER NOT NULL CHECK(items_in_transit >= 0));
CREATE TABLE dispatch_lots(
    document TEXT NOT NULL REFERENCES dispatches(document),
    lot_id INTEGER NOT NULL REFERENCES lots(id),
    quantity INTEGER NOT NULL CHECK(quantity >= 0),
    PRIMARY KEY(document, lot_id)) WITHOUT ROWID;
CREATE TABLE tiles(
    level INTEGER NOT NULL, idx INTEGER NOT NULL, hashes BLOB NOT NULL,
    PRIMARY KEY(level, idx)) WITHOUT ROWID;
INSERT INTO tiles VALUES(0,0,X'c1223a0899482851d5d415ce841927533edc6a9900a6369a2c133ffcd6aec4b9be6adc970070d2279e39292975c44eff8dcbad1df50217ccd1a3e5e7e927f8eb0f6d07d827d570c1d5b7107ffb662e677be0dbb90ad99866ee2f9be091c3c0dd1839d450c9196d8b0074b86d3a2278af64d688a02e3cedf916e2d002dbd64548e67ea0b4e2a29d7fd37f9cb59fe3aa3df9bab1d0912087c0de8585800e0b8582e26358d68ca084197f92497fbd2fd5b7696dae67bf6a6303a48ff2d41501226b');
CREATE TABLE checkpoints(
    size INTEGER PRIMARY KEY NOT NULL, note TEXT NOT NULL, signed_at TEXT NOT NULL);
INSERT INTO checkpoints VALUES(3,replace('legacy.example/custodia\n3\nvt2eL9XLYMJp9S1kZ5bCYtZhLMSF4+1z6LPCtdpPCFo=\n\n— legacy.example/custodia 4J8Wqu6k/s6saVqwjj+D0d+fiiZtcQbSexOdxJtHNGU36Vhol1ioByrWM0s1FpRmqSKJagVfuETy1tA/rGPxKHEj7Q8=\n','\n',char(10)),'2026-12-06T04:18:01Z');
INSERT INTO checkpoints VALUES(5,replace('legacy.example/custodia\n5\nM+ATzt/fSZNbPj23aB5B2cLjAiOY5urS6eM5j0FKsBU=\n\n— legacy.example/custodia 4J8Wqudtu4+T3Y2D0tokGKW2IXNGM1hBe+Sy340pqzgl81sVjkokGd70scHfenSy5NK3Us5S6T9pi1QwfhRZE+61pQs=\n','\n',char(10)),'2026-12-06T04:18:01Z');
INSERT INTO checkpoints VALUES(6,replace('legacy.example/custodia\n6\nIck8zbj/bxxQ6L4CE/yzZUqP7nL6eUKqAOTp2/QHrb4=\n\n— legacy.example/custodia 4J8WqpjrTo7nwOUT8lZVdLSY4oqkk7VUZSk3VsvTYhG4m2nC4Hb3lDRzMOUyDxjArm9h1xJutMGL1P54UAPkiQ+qVQY=\n','\n',char(10)),'2026-12-06T04:18:01Z');
CREATE TABLE users(
    code TEXT PRIMARY KEY NOT NULL,
    role TEXT NOT NULL CHECK(role = 'viewer' OR role = 'clerk' OR role = 'custodian' OR role = 'inspector' OR role = 'auditor' OR role = 'admin'),
    scope TEXT REFERENCES holders(code),
    active INTEGER NOT NULL DEFAULT 1 CHECK(active IN (0, 1)),
    added_seq INTEGER NOT NULL);
CREATE TABLE tokens(
    id TEXT PRIMARY KEY NOT NULL,
    user TEXT NOT NULL REFERENCES users(code),
    active INTEGER NOT NULL DEFAULT 1 CHECK(active IN (0, 1)),
    created_seq INTEGER NOT NULL);
CREATE TABLE password_hashes(
    id INTEGER PRIMARY KEY NOT NULL,
    user TEXT NOT NULL REFERENCES users(code),
    hash TEXT NOT NULL CHECK(length(hash) > 0),
    set_at TEXT NOT NULL);
CREATE TABLE token_secrets(
    token_id TEXT PRIMARY KEY NOT NULL REFERENCES tokens(id),
    secret_hash TEXT NOT NULL UNIQUE CHECK(length(secret_hash) = 64));
CREATE TABLE event_holders(
    holder TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(holder, seq)) WITHOUT ROWID;
INSERT INTO event_holders VALUES('R1',0);
INSERT INTO event_holders VALUES('R1',1);
INSERT INTO event_holders VALUES('S1',1);
INSERT INTO event_holders VALUES('S1',2);
INSERT INTO event_holders VALUES('S1',3);
INSERT INTO event_holders VALUES('S1',4);
INSERT INTO event_holders VALUES('S1',5);
INSERT INTO event_holders VALUES('U1',2);
INSERT INTO event_holders VALUES('U1',5);
CREATE TABLE IF NOT EXISTS 'item_serials_data'(id INTEGER PRIMARY KEY, block BLOB);
INSERT INTO item_serials_data VALUES(1,X'0204');
INSERT INTO item_serials_data VALUES(10,X'000000000101010001010101');
INSERT INTO item_serials_data VALUES(137438953473,X'0000001d0430616b2d01020201020201036b2d31010203030132020203040b08');
CREATE TABLE IF NOT EXISTS 'item_serials_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;
INSERT INTO item_serials_idx VALUES(1,X'',2);
CREATE TABLE IF NOT EXISTS 'item_serials_docsize'(id INTEGER PRIMARY KEY, sz BLOB);
INSERT INTO item_serials_docsize VALUES(1,X'02');
INSERT INTO item_serials_docsize VALUES(2,X'02');
CREATE TABLE IF NOT EXISTS 'item_serials_config'(k PRIMARY KEY, v) WITHOUT ROWID;
INSERT INTO item_serials_config VALUES('version',4);
CREATE TABLE verifications(
    id INTEGER PRIMARY KEY NOT NULL,
    verified_at TEXT NOT NULL,
    size INTEGER NOT NULL CHECK(size >= 0),
    ok INTEGER NOT NULL CHECK(ok IN (0, 1)),
    divergence TEXT);
PRAGMA writable_schema=ON;
INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','item_serials','item_serials',0,'CREATE VIRTUAL TABLE item_serials USING fts5(
    serial, content=''items'', content_rowid=''id'', tokenize=''trigram'')');
CREATE INDEX holders_parent ON holders(parent);
CREATE UNIQUE INDEX items_identity ON items(serial, manufacturer, model);
CREATE INDEX items_holder ON items(holder) WHERE holder IS NOT NULL;
CREATE INDEX lot_balances_holder ON lot_balances(holder);
CREATE INDEX tokens_user ON tokens(user);
CREATE INDEX password_hashes_user ON password_hashes(user, id);
CREATE INDEX items_account ON items(account) WHERE account IS NOT NULL;
CREATE INDEX items_model ON items(model COLLATE NOCASE);
CREATE INDEX events_kind ON events(kind);
CREATE INDEX items_due ON items(due_back) WHERE due_back IS NOT NULL;
CREATE INDEX items_missing ON items(last_seq) WHERE status = 'missing';
CREATE INDEX dispatches_to ON dispatches(to_holder);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'recorded events are never changed; record a correction'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'recorded events are never deleted; record a correction'); END;
CREATE TRIGGER items_marking_fixed BEFORE UPDATE OF
    id, category, manufacturer, country, model, calibre, serial, year, import_country, import_year,
    marks, assigned_mark, registered_seq ON items
    BEGIN SELECT RAISE(ABORT, 'an item''s marking is never changed'); END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'signed checkpoints are never changed'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'signed checkpoints are never deleted'); END;
CREATE TRIGGER users_code_fixed BEFORE UPDATE OF code, added_seq ON users
    BEGIN SELECT RAISE(ABORT, 'a user''s code is never changed'); END;
CREATE TRIGGER tokens_owner_fixed BEFORE UPDATE OF id, user, created_seq ON tokens
    BEGIN SELECT RAISE(ABORT, 'a token''s id and owner are never changed'); END;
CREATE TRIGGER password_hashes_no_update BEFORE UPDATE ON password_hashes
    BEGIN SELECT RAISE(ABORT, 'password hashes are never changed; set a new password instead'); END;
CREATE TRIGGER password_hashes_no_delete BEFORE DELETE ON password_hashes
    BEGIN SELECT RAISE(ABORT, 'password hashes are never deleted; disable the user instead'); END;
CREATE TRIGGER token_secrets_no_update BEFORE UPDATE ON token_secrets
    BEGIN SELECT RAISE(ABORT, 'token secrets are never changed; revoke the token instead'); END;
CREATE TRIGGER token_secrets_no_delete BEFORE DELETE ON token_secrets
    BEGIN SELECT RAISE(ABORT, 'token secrets are never deleted; revoke the token instead'); END;
CREATE TRIGGER verifications_no_update BEFORE UPDATE ON verifications
    BEGIN SELECT RAISE(ABORT, 'verification records are never changed; run verify again'); END;
CREATE TRIGGER verifications_no_delete BEFORE DELETE ON verifications
    BEGIN SELECT RAISE(ABORT, 'verification records are never deleted'); END;
PRAGMA writable_schema=OFF;
COMMIT;
