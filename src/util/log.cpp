// The library's spdlog logger.
#include "util/log.h"

#include <memory>
#include <mutex>
#include <utility>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "sentlens/log.h"

namespace sentlens {

namespace {

// stderr, with each message's text passed through the program's rewrite first (set_log_rewrite).
class RewritingStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void set_rewrite(std::function<std::string(const std::string&)> rewrite) {
    const std::lock_guard<std::mutex> lock(mutex_);
    rewrite_ = std::move(rewrite);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    if (!rewrite_) {
      stderr_->log(message);
      return;
    }
    const std::string text = rewrite_(std::string(message.payload.data(), message.payload.size()));
    spdlog::details::log_msg rewritten = message;
    rewritten.payload = text;
    stderr_->log(rewritten);
  }
  void flush_() override { stderr_->flush(); }
  void set_pattern_(const std::string& pattern) override { stderr_->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    stderr_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<spdlog::sinks::stderr_color_sink_mt> stderr_ =
      std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  std::function<std::string(const std::string&)> rewrite_;
};

const std::shared_ptr<RewritingStderrSink>& sink() {
  static const auto instance = std::make_shared<RewritingStderrSink>();
  return instance;
}

}  // namespace

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto created = std::make_shared<spdlog::logger>("sentlens", sink());
    spdlog::register_logger(created);
    created->set_level(spdlog::level::warn);
    created->set_pattern("[sentlens %l] %v");
    return created;
  }();
  return *instance;
}

void set_log_rewrite(std::function<std::string(const std::string&)> rewrite) {
  sink()->set_rewrite(std::move(rewrite));
}

void set_log_level(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      logger().set_level(spdlog::level::debug);
      break;
    case LogLevel::kInfo:
      logger().set_level(spdlog::level::info);
      break;
    case LogLevel::kWarning:
      logger().set_level(spdlog::level::warn);
      break;
    case LogLevel::kError:
      logger().set_level(spdlog::level::err);
      break;
    case LogLevel::kOff:
      logger().set_level(spdlog::level::off);
      break;
  }
}

}  // namespace sentlens
