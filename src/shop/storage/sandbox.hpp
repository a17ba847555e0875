#pragma once
// SQL for the sandbox payment gateway's state (shop_sandbox_customers,
// shop_sandbox_cards, shop_sandbox_charges; migration 0003): the
// domain::SandboxStore the shop's SandboxGateway uses, so that every shop
// instance on one database sees one test-mode processor and saved cards pay
// after a restart. Stores brand, last four, expiry and the test behaviour of
// a card, never its number.
#include <memory>

#include "platform/db/pool.hpp"
#include "shop/domain/sandbox_gateway.hpp"

namespace shop::storage {

std::shared_ptr<domain::SandboxStore> make_sandbox_store(std::shared_ptr<ts::db::Pool> db);

}  // namespace shop::storage
