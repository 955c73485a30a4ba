# SPDX-License-Identifier: Apache-2.0
# Third-party libraries, all from Debian packages (see README design notes).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(UV REQUIRED IMPORTED_TARGET libuv>=1.40)
pkg_check_modules(SQLITE REQUIRED IMPORTED_TARGET sqlite3>=3.35)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium>=1.0.18)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson>=2.13)
pkg_check_modules(INIH REQUIRED IMPORTED_TARGET inih)
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
find_package(OpenSSL 3.0 REQUIRED)
pkg_check_modules(NFTABLES REQUIRED IMPORTED_TARGET libnftables>=1.0)
pkg_check_modules(MAXMINDDB REQUIRED IMPORTED_TARGET libmaxminddb>=1.5)
# HTTPS portal and REST API; Debian's build loads its libuv support as the
# evlib plugin from libwebsockets-evlib-uv.
pkg_check_modules(LWS REQUIRED IMPORTED_TARGET libwebsockets>=4.1)
# QR codes of the TOTP enrolment URI (src/admin/qr.c).
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode>=4.0)
# Alerts by webhook and SMTP with STARTTLS (src/alert/send.c); 7.85 for
# CURLOPT_PROTOCOLS_STR. Debian: libcurl4-openssl-dev.
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl>=7.85)
