#pragma once
// A database in the original Django store's schema (spec shop.md §1): the
// five tables the importer reads, with the DDL Django generates for SQLite
// or PostgreSQL, filled with known rows covering every data quirk.
#include <string>

namespace shop_test {

// Password of users 1 (yash) and 10 (testuser), stored as this Django hash:
//   python3 -c "import hashlib,base64; print('pbkdf2_sha256$260000$tierstacksalt123$' +
//     base64.b64encode(hashlib.pbkdf2_hmac('sha256', b'legacy-pass-123',
//     b'tierstacksalt123', 260000)).decode())"
inline const char* kLegacyPassword = "legacy-pass-123";
inline const char* kLegacyHash =
    "pbkdf2_sha256$260000$tierstacksalt123$ckCY/8bN7yJzdfZ7oauq2b9+d1wdM9O2PRoBEj+30A0=";
inline const char* kLongCardNumber = "4000123412341234567";  // 19 digits (SQLite only)

// Creates the tables in the (empty) database at url and fills them:
//  users     1 yash (pbkdf2, staff+superuser), 10 testuser (pbkdf2), 19 ty (pbkdf2, no card),
//            100 CKelly3216 (plaintext password), 101 JDoe0001 (plaintext, inactive, staff)
//  products  2 MacBook Pro 124999.99 (image laptop_W0rdEyw.jpg), 3 Playstation 5 30000,
//            4 Bolt Headphones 1200.99, 5 Computer Chairs 5999.99
//  addresses 14, 15 (user 1: Delhi, "new york"), 34 (100: Alaska), 35 (101: "ny"), 36 (10:
//  "unknown") cards     26 (1: 4242…4242, exp "8"/"2028"), 27 (100: 19 digits, SQLite only),
//            28 (101: mastercard 4444), 29 (10: amex 0005)
//  orders    24, 25 (user 1, legacy UI address format, 25 = "Computer Chair"), 75, 76 (100),
//            77 (101, "ny"), 78 (1, generated format, shipped to #15), 79 (10, unmatched address)
void build_django_db(const std::string& url);

}  // namespace shop_test
