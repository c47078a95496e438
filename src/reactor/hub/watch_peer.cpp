#include "reactor/hub/watch_peer.hpp"

#include "reactor/core/project.hpp"
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
    if (action == nullptr || !action->is_string()) {
      reply_error(R"(missing "action": use "register" or "unregister")");
      return;
    }
    auto subject = read_subject(*object);
    if (!subject) {
      reply_error(subject.error());
      return;
    }
    if (action->get_string() == "unregister") {
      boost::asio::post(m_strand, [self = shared_from_this(), subject = std::move(*subject)] {
        self->unregister(subject);
      });
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
    boost::asio::post(m_strand, [self = shared_from_this(), subject = std::move(*subject), since] {
      self->register_watch(subject, since);
    });
  }

  void on_close() override
  {
    boost::asio::post(m_strand, [self = shared_from_this()] { self->close(); });
  }

private:
  // What a message watches: a deployment ("id") or a project ("project").
  struct Subject
  {
    bool project = false;
    std::string name;

    std::string describe() const { return (project ? "project " : "deployment ") + name; }
    auto operator<=>(const Subject&) const = default;
  };

  static std::expected<Subject, std::string> read_subject(const boost::json::object& message)
  {
    const auto* id = message.if_contains("id");
    const auto* project = message.if_contains("project");
    if ((id == nullptr) == (project == nullptr)) {
      return std::unexpected(
        R"(name what to watch: "id" (a deployment id) or "project" (a project's name), one of them)");
    }
    if (project != nullptr) {
      if (!project->is_string()) {
        return std::unexpected(R"("project" must be a project's name)");
      }
      if (auto valid = core::check_project_name(project->get_string()); !valid) {
        return std::unexpected(valid.error().message);
      }
      return Subject{ .project = true, .name = std::string(project->get_string()) };
    }
    if (!id->is_string() || !core::is_deployment_id(id->get_string())) {
      return std::unexpected(R"("id" must be a deployment id: 10 characters of [a-z0-9])");
    }
    return Subject{ .project = false, .name = std::string(id->get_string()) };
  }

  void close()
  {
    std::scoped_lock lock(m_mutex);
    m_closed = true;
    for (const auto& [subject, watch_id] : m_watches) {
      m_hub.unwatch(watch_id);
    }
    m_watches.clear();
  }

  void register_watch(const Subject& subject, std::optional<std::int64_t> since)
  {
    {
      std::scoped_lock lock(m_mutex);
      if (m_closed || m_watches.contains(subject)) {
        return;
      }
      if (m_watches.size() >= k_max_watched) {
        reply_error("this connection already watches 100 deployments or projects: unregister "
                    "one first");
        return;
      }
    }
    if (auto known = find(subject); !known) {
      reply_error(known.error());
      return;
    }
    m_outbox->send(std::make_shared<const std::string>(
      system_message("Registered for updates on " + subject.describe())));
    auto watch_id = subject.project ? m_hub.watch_project(subject.name, since, m_outbox)
                                    : m_hub.watch(subject.name, since, m_outbox);
    if (!watch_id) {
      reply_error("cannot watch " + subject.describe() + ": " + watch_id.error().message);
      return;
    }
    std::scoped_lock lock(m_mutex);
    if (m_closed || !m_watches.emplace(subject, *watch_id).second) {
      m_hub.unwatch(*watch_id);
    }
  }

  // Whether the subject exists: nothing, or the error to reply.
  std::expected<void, std::string> find(const Subject& subject)
  {
    const auto answer = [&](const auto& found) -> std::expected<void, std::string> {
      if (!found) {
        return std::unexpected("cannot read " + subject.describe() + ": " + found.error().message);
      }
      if (!found->has_value()) {
        return std::unexpected(subject.project ? "unknown project " + subject.name
                                               : "unknown deployment id " + subject.name);
      }
      return {};
    };
    return subject.project ? answer(m_store.find_project(subject.name))
                           : answer(m_store.find_deployment(subject.name));
  }

  void unregister(const Subject& subject)
  {
    std::scoped_lock lock(m_mutex);
    if (const auto found = m_watches.find(subject); found != m_watches.end()) {
      m_hub.unwatch(found->second);
      m_watches.erase(found);
    }
    m_outbox->send(std::make_shared<const std::string>(
      system_message("Unregistered from " + subject.describe())));
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
  std::map<Subject, Hub::WatchId> m_watches;
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
