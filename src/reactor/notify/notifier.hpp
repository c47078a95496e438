#pragma once

#include "reactor/store/metadata_store.hpp"
#include "reactor/util/secret_box.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace reactor::notify {

struct NotifierOptions
{
  // Endpoints on loopback are reached only when local repositories are allowed (tests).
  bool allow_loopback = false;
  std::chrono::seconds timeout{ 15 };
  // Opens endpoints' signing secrets; nullptr: every notification fails, saying why.
  const util::SecretKey* secrets_key = nullptr;
  // The site URL of a hostname label (a deployment's id).
  std::function<std::string(std::string_view label)> site_url;
};

// Sends projects' notifications: turns the change feed's status changes into
// notifications of the endpoints that asked for them (exactly once across nodes, through
// the store's cursor), then POSTs those due, signed, and records how each went, retrying on
// core::retry_delay's schedule. Runs on a thread of its own.
class Notifier
{
public:
  Notifier(store::MetadataStore& store, NotifierOptions options);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void start();
  void stop();

private:
  // Turns up to a batch of new feed events into notifications; true when more wait.
  util::Result<bool> fan_out();
  void send(store::NotificationSend due);
  void send_due();
  void run();

  store::MetadataStore& m_store;
  NotifierOptions m_options;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::thread m_thread;
};

} // namespace reactor::notify
