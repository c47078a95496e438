#pragma once

#include "reactor/hub/hub.hpp"
#include "reactor/net/router.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>

namespace reactor::hub {

// The /ws protocol for one connection: {"action":"register","id",…,"since"?} and
// {"action":"unregister","id"}; store reads run on `blocking`.
std::shared_ptr<net::WebSocketPeer> make_watch_peer(Hub& hub,
                                                    store::MetadataStore& store,
                                                    const boost::asio::any_io_executor& blocking,
                                                    std::shared_ptr<net::Outbox> outbox);

} // namespace reactor::hub
