# Debian packages of tierstack (CPack DEB, one package per component):
#   tierstack-shop       shop binary, launcher, unit, settings template
#   tierstack-microblog  microblog binary, its templates and static files
#   tierstack-web        web tier: nginx configuration template and renderer,
#                        the shop front end's static build (web/shop/dist)
#   tierstack            the operator CLI
# scripts/package builds them, with their SHA256SUMS, into build/packages/
# (or --out DIR). The contract with the Terraform user data is in
# docs/operations-aws.md ("Packages").
#
# Only the components below are packaged: the install() rules of src/*
# (component "Unspecified", prefix-relative paths for `cmake --install`) stay
# out of the packages, which install under /usr with their own layout.

set(TS_PKG_ROOT ${PROJECT_SOURCE_DIR}/deploy)
set(TS_PKG_GEN ${CMAKE_BINARY_DIR}/packaging)
set(TS_PKG_COMPONENTS)

# Maintainer scripts for an app (user, state directory, settings file).
function(ts_pkg_scripts app)
  string(TOUPPER ${app} C)
  set(APP ${app})
  set(files)
  foreach(s postinst prerm postrm)
    configure_file(${TS_PKG_ROOT}/debian/${s}.in ${TS_PKG_GEN}/${app}/${s} @ONLY
                   FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                    WORLD_READ WORLD_EXECUTE)
    list(APPEND files ${TS_PKG_GEN}/${app}/${s})
  endforeach()
  set(CPACK_DEBIAN_${C}_PACKAGE_CONTROL_EXTRA ${files} PARENT_SCOPE)
endfunction()

# One service package: binary in /usr/bin, launcher, unit, settings template.
macro(ts_pkg_service app)
  string(TOUPPER ${app} _C)
  install(PROGRAMS $<TARGET_FILE:${app}> DESTINATION bin COMPONENT ${app})
  install(PROGRAMS ${TS_PKG_ROOT}/systemd/tierstack-launch DESTINATION lib/tierstack/${app}
          RENAME launch COMPONENT ${app})
  install(FILES ${TS_PKG_ROOT}/systemd/tierstack-${app}.service DESTINATION lib/systemd/system
          COMPONENT ${app})
  install(FILES ${TS_PKG_ROOT}/systemd/${app}.env.example DESTINATION share/tierstack/${app}
          COMPONENT ${app})
  ts_pkg_scripts(${app})
  set(CPACK_DEBIAN_${_C}_PACKAGE_NAME tierstack-${app})
  set(CPACK_DEBIAN_${_C}_PACKAGE_SECTION net)
  set(CPACK_DEBIAN_${_C}_PACKAGE_DEPENDS "passwd")
  list(APPEND TS_PKG_COMPONENTS ${app})
endmacro()

if(TARGET shop)
  ts_pkg_service(shop)
  set(CPACK_COMPONENT_SHOP_DESCRIPTION "tierstack shop service\n The store's HTTP API (catalogue, carts, orders, payments, product images)\n as a hardened systemd service, tierstack-shop.service.")
endif()

if(TARGET microblog)
  ts_pkg_service(microblog)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/microblog/templates ${PROJECT_SOURCE_DIR}/web/microblog/static
          DESTINATION share/tierstack/microblog COMPONENT microblog)
  install(FILES ${PROJECT_SOURCE_DIR}/web/microblog/node_modules/bootstrap/dist/css/bootstrap.min.css
                ${PROJECT_SOURCE_DIR}/web/microblog/node_modules/bootstrap/dist/js/bootstrap.bundle.min.js
          DESTINATION share/tierstack/microblog/static COMPONENT microblog OPTIONAL)
  set(CPACK_COMPONENT_MICROBLOG_DESCRIPTION "tierstack microblog service\n The microblog (server-rendered pages and API) as a hardened systemd\n service, tierstack-microblog.service.")
endif()

# The web tier: nginx runs as tierstack-web with a configuration rendered
# from the environment at every start.
install(FILES ${TS_PKG_ROOT}/systemd/tierstack-web.service DESTINATION lib/systemd/system COMPONENT web)
install(PROGRAMS ${TS_PKG_ROOT}/systemd/tierstack-web-render DESTINATION lib/tierstack/web RENAME render
        COMPONENT web)
install(FILES ${TS_PKG_ROOT}/systemd/nginx.conf.in ${TS_PKG_ROOT}/nginx/proxy.conf
              ${TS_PKG_ROOT}/systemd/web.env.example
        DESTINATION share/tierstack/web COMPONENT web)
# The shop front end's production build, when it has been built.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/shop/dist/ DESTINATION share/tierstack/web/shop
        COMPONENT web OPTIONAL)
ts_pkg_scripts(web)
set(CPACK_DEBIAN_WEB_PACKAGE_NAME tierstack-web)
set(CPACK_DEBIAN_WEB_PACKAGE_SECTION httpd)
set(CPACK_DEBIAN_WEB_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_WEB_PACKAGE_DEPENDS "nginx (>= 1.19.5) | nginx-light (>= 1.19.5), passwd, gawk | mawk")
set(CPACK_DEBIAN_WEB_PACKAGE_SHLIBDEPS OFF)
set(CPACK_COMPONENT_WEB_DESCRIPTION "tierstack web tier\n nginx serving the shop's front end and proxying to the app tier, as\n tierstack-web.service (port 8080, /readyz).")
list(APPEND TS_PKG_COMPONENTS web)

if(TARGET tierstack)
  install(PROGRAMS $<TARGET_FILE:tierstack> DESTINATION bin COMPONENT cli)
  set(CPACK_DEBIAN_CLI_PACKAGE_NAME tierstack)
  set(CPACK_DEBIAN_CLI_PACKAGE_SECTION admin)
  set(CPACK_DEBIAN_CLI_PACKAGE_RECOMMENDS "nginx")
  set(CPACK_COMPONENT_CLI_DESCRIPTION "tierstack operator CLI\n Runs and inspects the multi-tier topology on one machine.")
  list(APPEND TS_PKG_COMPONENTS cli)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tierstack)
set(CPACK_PACKAGE_VENDOR "tierstack")
set(CPACK_PACKAGE_CONTACT "tierstack maintainers <ops@tierstack.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "tierstack multi-tier web application")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${TS_PKG_COMPONENTS})
set(CPACK_COMPONENTS_GROUPING IGNORE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/tierstack/tierstack")
# zstd: Debian 12's dpkg reads it, and it compresses the binaries about five
# times faster than xz (the packaging test builds packages on every change)
# for about a third more bytes.
set(CPACK_DEBIAN_COMPRESSION_TYPE zstd)
# Library dependencies from the binaries (dpkg-shlibdeps): libboost-json1.81.0,
# libboost-url1.81.0 (when linked), libpq5, libsqlite3-0, libsodium23, libssl3,
# libcurl4, libtomlplusplus3, libwebp7, libcld2-0, ...
find_program(TS_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(TS_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_SHOP_PACKAGE_DEPENDS "passwd, libboost-json1.81.0, libpq5, libsqlite3-0, libsodium23, libssl3, libcurl4, libtomlplusplus3, libwebp7")
  set(CPACK_DEBIAN_MICROBLOG_PACKAGE_DEPENDS "passwd, libboost-json1.81.0, libpq5, libsqlite3-0, libsodium23, libssl3, libcurl4, libtomlplusplus3, libcld2-0")
  set(CPACK_DEBIAN_CLI_PACKAGE_DEPENDS "libboost-json1.81.0, libpq5, libsqlite3-0, libsodium23, libssl3, libcurl4, libtomlplusplus3")
endif()
# `cpack` (and `install`) do not rebuild every target of the project first:
# scripts/package builds exactly the packaged targets, so the test and bench
# programs need not build for a release to be packaged.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
# Packages land in the build tree; scripts/package copies them to its output directory.
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/cpack)

include(CPack)
