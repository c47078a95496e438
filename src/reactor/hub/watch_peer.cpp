#include "reactor/hub/watch_peer.hpp"

#include "reactor/hub/messages.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/parse.hpp>

#include <map>
#include <mutex>

namespace reactor::hub {

namespace {

constexpr std::size_t k_max_message = 16 * 1024;
constexpr std::size_t k_max_watched = 100;

class WatchPeer
  : public net::WebSocketPeer
  , public std::enable_shared_from_this<WatchPeer>
{
public:
  WatchPeer(Hub& hub,
            store::MetadataStore& store,
            const boost::asio::any_io_executor& blocking,
            std::shared_ptr<net::Outbox> outbox)
    : m_hub(hub)
    , m_store(store)
    , m_strand(boost::asio::make_strand(blocking))
    , m_outbox(std::move(outbox))
  {
  }

  void on_message(std::string_view text) override
  {
    if (text.size() > k_max_message) {
      reply_error("message larger than 16 KiB");
      return;
    }
    boost::system::error_code ec;
    const auto json = boost::json::parse(text, ec);
    const auto* object = ec ? nullptr : json.if_object();
    if (object == nullptr) {
      reply_error(R"(messages must be JSON objects like {"action":"register","id":"<id>"})");
      return;
    }
    const auto* action = object->if_contains("action");
    const auto* id = object->if_contains("id");
    if (action == nullptr || !action->is_string()) {
      reply_error(R"(missing "action": use "register" or "unregister")");
      return;
    }
    if (id == nullptr || !id->is_string() || !core::is_deployment_id(id->get_string())) {
      reply_error(R"("id" must be a deployment id: 10 characters of [a-z0-9])");
      return;
    }
    const std::string deployment_id(id->get_string());
    if (action->get_string() == "unregister") {
      boost::asio::post(
        m_strand, [self = shared_from_this(), deployment_id] { self->unregister(deployment_id); });
      return;
    }
    if (action->get_string() != "register") {
      reply_error("unknown action '" + std::string(action->get_string()) +
                  "': use \"register\" or \"unregister\"");
      return;
    }
    std::optional<std::int64_t> since;
    if (const auto* value = object->if_contains("since"); value != nullptr && !value->is_null()) {
      if (!value->is_int64() || value->get_int64() < 0) {
        reply_error(R"("since" must be a non-negative event sequence number)");
        return;
      }
      since = value->get_int64();
    }
    boost::asio::post(m_strand, [self = shared_from_this(), deployment_id, since] {
      self->register_watch(deployment_id, since);
    });
  }

  void on_close() override
  {
    boost::asio::post(m_strand, [self = shared_from_this()] { self->close(); });
  }

private:
  void close()
  {
    std::scoped_lock lock(m_mutex);
    m_closed = true;
    for (const auto& [deployment_id, watch_id] : m_watches) {
      m_hub.unwatch(watch_id);
    }
    m_watches.clear();
  }

  void register_watch(const std::string& deployment_id, std::optional<std::int64_t> since)
  {
    {
      std::scoped_lock lock(m_mutex);
      if (m_closed || m_watches.contains(deployment_id)) {
        return;
      }
      if (m_watches.size() >= k_max_watched) {
        reply_error("this connection already watches 100 deployments: unregister one first");
        return;
      }
    }
    auto deployment = m_store.find_deployment(deployment_id);
    if (!deployment) {
      reply_error("cannot read deployment " + deployment_id + ": " + deployment.error().message);
      return;
    }
    if (!deployment->has_value()) {
      reply_error("unknown deployment id " + deployment_id);
      return;
    }
    m_outbox->send(std::make_shared<const std::string>(
      system_message("Registered for updates on deployment " + deployment_id)));
    auto watch_id = m_hub.watch(deployment_id, since, m_outbox);
    if (!watch_id) {
      reply_error("cannot watch deployment " + deployment_id + ": " + watch_id.error().message);
      return;
    }
    std::scoped_lock lock(m_mutex);
    if (m_closed || !m_watches.emplace(deployment_id, *watch_id).second) {
      m_hub.unwatch(*watch_id);
    }
  }

  void unregister(const std::string& deployment_id)
  {
    std::scoped_lock lock(m_mutex);
    if (const auto found = m_watches.find(deployment_id); found != m_watches.end()) {
      m_hub.unwatch(found->second);
      m_watches.erase(found);
    }
    m_outbox->send(std::make_shared<const std::string>(
      system_message("Unregistered from deployment " + deployment_id)));
  }

  void reply_error(std::string_view text)
  {
    m_outbox->send(std::make_shared<const std::string>(error_message(text)));
  }

  Hub& m_hub;
  store::MetadataStore& m_store;
  // Store reads run on the pool, one at a time per connection and in the order the
  // client sent them, so an unregister never overtakes its register.
  boost::asio::any_io_executor m_strand;
  std::shared_ptr<net::Outbox> m_outbox;
  std::mutex m_mutex;
  std::map<std::string, Hub::WatchId> m_watches;
  bool m_closed = false;
};

} // namespace

std::shared_ptr<net::WebSocketPeer>
make_watch_peer(Hub& hub,
                store::MetadataStore& store,
                const boost::asio::any_io_executor& blocking,
                std::shared_ptr<net::Outbox> outbox)
{
  return std::make_shared<WatchPeer>(hub, store, blocking, std::move(outbox));
}

} // namespace reactor::hub
