# Every library comes from Debian's packages (scripts/install-deps.sh installs them).
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS json url)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(CLI11 REQUIRED CONFIG)
find_package(Threads REQUIRED)
