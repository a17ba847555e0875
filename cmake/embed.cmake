# ts_embed_migrations(<target> <app>): compiles every SQL file under
# migrations/<app>/ into the target, so an installed binary carries its schema.
function(ts_embed_migrations target app)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/migrations/${app}/*.sql)
  list(SORT files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_migrations.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DAPP=${app} -DOUT=${out} -DROOT=${PROJECT_SOURCE_DIR}/migrations/${app}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_migrations.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/embed_migrations.cmake
    COMMENT "Embedding migrations of ${app}")
  target_sources(${target} PRIVATE ${out})
endfunction()
