// Every device signature (C++20 concepts) in one include.
#pragma once

#include <fata/sig/block.hpp>
#include <fata/sig/clock.hpp>
#include <fata/sig/console.hpp>
#include <fata/sig/flow.hpp>
#include <fata/sig/kv.hpp>
#include <fata/sig/netif.hpp>
#include <fata/sig/random.hpp>
