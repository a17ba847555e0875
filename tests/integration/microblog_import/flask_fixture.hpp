#pragma once
// A database in the original Flask microblog's schema (spec microblog.md §1,
// Alembic head 834b1a697901): the tables the migrations create on SQLite or
// PostgreSQL, filled with known rows covering the data quirks the importer
// must handle.
#include <string>

namespace mb_import_test {

// Werkzeug hashes, computed independently of our code with python3's hashlib
// (what werkzeug.security.generate_password_hash does):
//   python3 -c "import hashlib; s='pQ7vN4sH1yR6cJ0e'; print('pbkdf2:sha256:260000\$' + s + '\$'
//     + hashlib.pbkdf2_hmac('sha256', b'john-legacy-pass', s.encode(), 260000).hex())"
//   python3 -c "import hashlib; s='Xq3dZr8PLm2TbW9k'; print('scrypt:32768:8:1\$' + s + '\$'
//     + hashlib.scrypt(b'cat-and-dog-22', salt=s.encode(), n=32768, r=8, p=1,
//                      maxmem=132*32768*8).hex())"
inline const char* kJohnPassword = "john-legacy-pass";
inline const char* kPbkdf2Hash =
    "pbkdf2:sha256:260000$pQ7vN4sH1yR6cJ0e$"
    "da953000934190262c842cb6000eeb60f7336c2e72e92668e08da00d9e28c338";
inline const char* kSusanPassword = "cat-and-dog-22";
inline const char* kScryptHash =
    "scrypt:32768:8:1$Xq3dZr8PLm2TbW9k$"
    "b488a11852378c00edaef248e511d3b56850facd7e325f22f8de859308b67f373951b47a2cda16098ac97dd5600de"
    "07df37ff3826c9066e6208495cdd6ce9a69";
// John's API token (plaintext in the original), valid until 2099.
inline const char* kJohnToken = "0123456789abcdef0123456789abcdef";
// Susan's, expired in 2020.
inline const char* kSusanToken = "fedcba9876543210fedcba9876543210";

// Creates the tables in the (empty) database at url and fills them:
//  user          1 john (pbkdf2, live token), 2 susan (scrypt, expired token), 3 John (same
//                name as 1 ignoring case; scrypt), 4 "mary jane" (space in the name, e-mail
//                Susan@Example.com = 2's ignoring case, NULL hash, never seen), 5 david
//                (plaintext password), 10 olduser (old Werkzeug "sha1$…" hash)
//  post          1 en, 2 es, 3 zh-cn, 4 '' (English text), 5 NULL ("ok"), 42 en ("zeppelin");
//                SQLite only (PostgreSQL enforces the FK and varchar(140)): 6 by missing user
//                99, 7 with 150 characters
//  followers     1→2, 2→1, 3→1, 1→1 (self); SQLite only: 2→99
//  message       1 (1→2), 2 (2→1), 3 (4→4); SQLite only: 4 (1→99)
//  notification  1 john unread_message_count "1" (newest), 2 john unread_message_count "3"
//                (older duplicate), 3 susan task_progress, 4 mary payload not JSON;
//                SQLite only: 5 for user 99
//  task          two export_posts rows of susan (one unfinished)
//  alembic_version 834b1a697901 (or `revision` when given)
void build_flask_db(const std::string& url, const std::string& revision = "834b1a697901");

}  // namespace mb_import_test
