// The collector's sync session (internal to collector/src): one Session runs
// a sync over the WebSocket. Its members are in three files by topic:
// sync_client.cpp (connect, handshake, pushes and the run), sync_fetch.cpp
// (forms, devices, assessments, codes), sync_files.cpp (attachment files).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "equitas/wire/secure_channel.hpp"
#include "equitas/wire/sync_messages.hpp"
#include "sync_client.hpp"
#include "sync_client_protocol.hpp"

namespace equitas::collector::sync_detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

// A fetch that servers older than this collector do not offer.
struct LaterFetch {
  std::string SyncReport::*note;  // says when the server does not offer it
  const char* older;              // what it says then
  const char* unanswered;         // the failure when the answer is something else
};

// Where the server was last seen holding each file this process sends (an
// acknowledged piece, or its answer to an offer), so that a session cut
// every half minute can put file bytes behind its offer instead of a round
// trip later. A hint, kept in memory only: the server answers a piece that
// does not start where it holds the file with where it does.
struct FilePosition {
  std::uint32_t chunk = 0;
  std::uint32_t offset = 0;
  bool operator==(const FilePosition&) const = default;
};
void note_position(const FileId& id, std::optional<FilePosition> at);
std::optional<FilePosition> last_position(const FileId& id);

// One session, driven by a coroutine on a private io_context: it moves
// bytes over the WebSocket and applies what `protocol_` decides for the
// handshake and the pushes (sync_client_protocol.hpp), and still runs the
// session's other exchanges itself. Errors of the link come out as
// exceptions, which run_sync turns into a Status.
class Session {
 public:
  Session(CollectorStore& store, const SigningKey& key, const Enrollment& enrollment,
          const SyncOptions& options, const Clock& clock, ParsedUrl url)
      : store_(store),
        enrollment_(enrollment),
        options_(options),
        clock_(clock),
        url_(std::move(url)),
        protocol_(enrollment, key, options.max_batch_items) {}

  net::awaitable<Status> run();
  SyncReport& report() { return report_; }
  // True when a read was cut off because the server's reply did not come
  // within options.reply_timeout.
  bool reply_overdue() const { return reply_overdue_; }

 private:
  using Ws = websocket::stream<beast::tcp_stream>;
  using FileToSend = CollectorStore::FileToSend;
  struct EarlyOffer;
  struct PieceSent;
  struct PieceJob;
  struct PieceFlight;

  // sync_client.cpp: the steps of run(), in order.
  net::awaitable<void> connect(Ws& ws);
  net::awaitable<void> upgrade(Ws& ws);
  net::awaitable<Status> handshake(Ws& ws, EarlyOffer& early);
  net::awaitable<Status> fetch_first(Ws& ws, EarlyOffer& early);
  net::awaitable<Status> push(Ws& ws, EarlyOffer& early);
  net::awaitable<Status> fetch_last(Ws& ws);

  // sync_client.cpp: messages in and out.
  net::awaitable<Bytes> read(Ws& ws);
  net::awaitable<void> write(Ws& ws, const Bytes& msg);
  // Writes what `step` says to send; its Status when it failed.
  net::awaitable<Status> send(Ws& ws, SyncClientProtocol::Step step);
  // The reply to a request sealed with protocol_.seal().
  net::awaitable<Result<SyncMessage>> read_sealed(Ws& ws);

  // sync_client.cpp: the handshake and the pushes.
  // The enrollment secret the ClientAuth carries until the server has
  // registered this device (none when it is not in the store).
  Result<std::optional<SecretBytes<kEnrollSecretBytes>>> enrollment_secret();
  Status record_registration(const SyncClientProtocol::Welcomed& welcomed);
  // Requests sent behind the ClientAuth, without waiting for the Welcome.
  net::awaitable<Status> send_early_requests(Ws& ws, EarlyOffer& early);
  Status apply_ack(const std::vector<OutboxItem>& items, const SyncClientProtocol::Acked& ack);
  // Pushes every pending envelope in batches, numbered across the session
  // by protocol_.
  net::awaitable<Status> push_pending(Ws& ws);

  // sync_fetch.cpp: what the server holds for this collector.
  // That reply when it is an Answer; the server's refusal when it refused,
  // `unanswered` when it is anything else.
  template <typename Answer>
  net::awaitable<Result<Answer>> read_answer(Ws& ws, const char* unanswered);
  // `asked`: the first request went out already (pipelined after the
  // handshake); only its reply is to be read.
  net::awaitable<Status> fetch_forms(Ws& ws, bool asked = false);
  net::awaitable<Status> fetch_devices(Ws& ws, bool asked = false);
  FormsRequest forms_request(const std::vector<FormRef>& turned_down, Status& status);
  DevicesRequest devices_request(Status& status);
  net::awaitable<Status> fetch_assessments(Ws& ws);
  net::awaitable<Status> fetch_codes(Ws& ws);
  // One round trip of a fetch that a server older than this collector may
  // not offer: sends `request` (sealed), reads its answer, an Update, and
  // hands that to `keep` within one transaction. None when the server
  // answers with a protocol error: the report's `fetch.note` says so.
  template <typename Update, typename Keep>
  net::awaitable<Result<std::optional<Update>>> fetch_round(Ws& ws, const Bytes& request,
                                                            const LaterFetch& fetch, Keep keep);
  Status keep_assessment(const std::string& view);

  // sync_files.cpp: the files of acknowledged responses.
  struct PieceSent {
    std::size_t job = 0;
    std::uint32_t chunk = 0;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    bool ends_chunk = false;
    std::uint64_t number = 0;
    bool dud = false;  // known not to start where the server is: its ack says nothing
  };
  // A FilesOffer sent before the Welcome, and the server's answer to it.
  struct EarlyOffer {
    std::vector<FileToSend> files;
    std::optional<SyncMessage> reply;
    // Pieces of files[0] sent behind the offer, from where the server was
    // last seen holding it (`from`), before its answer: the session's first
    // round trip then carries file bytes. The server checks where each
    // piece starts; `after` is where the next one would start.
    std::vector<PieceSent> pieces;
    FilePosition from;
    FilePosition after;
  };
  struct PieceJob {
    FileToSend file;
    std::uint32_t chunk = 0;  // where the next piece starts
    std::uint32_t offset = 0;
    bool over = false;               // stored, refused or stopped: no more pieces, acks ignored
    std::uint64_t resync_after = 0;  // acks of pieces sent up to here predate a resync
    std::uint64_t sends = 0;
  };
  // Where one send_pieces is: the pieces whose acks are awaited, oldest
  // first, and the job the next piece comes from.
  struct PieceFlight {
    std::deque<PieceSent> flight;
    std::uint64_t sent_count = 0;
    std::size_t next_job = 0;
    bool stop = false;  // the server cannot store files now: drain the acks, then end
    // The chunk pieces are cut from, read once.
    std::size_t cached_job = SIZE_MAX;
    std::uint32_t cached_chunk = 0;
    Bytes cached;
  };
  // Sends the files of acknowledged responses, chunk by chunk (or piece by
  // piece), pushing any envelope captured meanwhile before the next file.
  net::awaitable<Status> send_files(Ws& ws, EarlyOffer* early);
  // The server's answer to an offer of `count` files; none when the server
  // does not take files (noted in the report; it closes the session).
  Result<const FilesWanted*> files_wanted(const SyncMessage& reply, std::size_t count);
  // Goes through the server's answer file by file: each is settled here,
  // planned as a piece job (`jobs`) or sent whole. `behind`: the offer had
  // pieces of its first file sent behind it. False: stop sending files this
  // session.
  net::awaitable<Result<bool>> answer_wants(Ws& ws, const std::vector<FileToSend>& files,
                                            const FilesWanted& wanted, EarlyOffer* behind,
                                            std::vector<PieceJob>& jobs,
                                            std::vector<FileId>& done_this_session,
                                            std::vector<FileHash>& held_now);
  // True when `f` needs no bytes sent: the server has them, or does not
  // know the file.
  Result<bool> settle_file(const FileToSend& f, const FileWantItem& w,
                           const std::vector<FileHash>& held_now);
  // Adds the piece job for `f`, from where the server holds it (or past the
  // pieces sent `behind` the offer); false, and no job, for a second file
  // of the same bytes as one in `jobs`.
  bool plan_piece_job(const FileToSend& f, const FileWantItem& w, std::vector<PieceJob>& jobs,
                      EarlyOffer* behind);
  // The pieces sent behind the offer, made ready to be the first in flight.
  std::vector<PieceSent> adopt_early_pieces(std::vector<PieceJob>& jobs, const FileToSend& first,
                                            std::vector<PieceSent>& early_pieces);
  // Moves `chunk` and `offset` past a piece of `length` bytes just sent;
  // one that ends its chunk counts in the report.
  void step_past(bool ends_chunk, std::uint32_t length, std::uint32_t& chunk,
                 std::uint32_t& offset);
  // Writes the piece of chunk `chunk` of file `id` (its bytes: `data`) that
  // starts at `offset`; its length.
  net::awaitable<std::uint32_t> write_piece(Ws& ws, const FileId& id, std::uint32_t chunk,
                                            std::uint32_t offset, const Bytes& data);
  // Pieces of `jobs`, a few in flight across files (file_transfer.hpp).
  // False: stop sending files this session.
  // `early`: pieces already sent, whose acks come first.
  net::awaitable<Result<bool>> send_pieces(Ws& ws, std::vector<PieceJob>& jobs,
                                           std::vector<FileHash>& held_now,
                                           std::vector<PieceSent> early);
  // Sends pieces while fewer than kPiecesInFlight await their acks, moving
  // on from job to job (and pushing a response captured between two files).
  net::awaitable<Status> fill_flight(Ws& ws, PieceFlight& sending, std::vector<PieceJob>& jobs);
  // Sends the next piece of `j`, jobs[sending.next_job].
  net::awaitable<Status> send_piece(Ws& ws, PieceFlight& sending, PieceJob& j);
  // Takes `reply` as the answer to the oldest piece in flight.
  Status take_piece_ack(PieceFlight& sending, std::vector<PieceJob>& jobs,
                        std::vector<FileHash>& held_now, const SyncMessage& reply);
  // An ack that asks for more of the file: as expected, or a resync to
  // where the server is.
  Status piece_continues(PieceFlight& sending, PieceJob& j, const PieceSent& s, const FileAck& ack);
  // Sends pieces of early.files[0] behind the offer (see EarlyOffer).
  net::awaitable<Status> send_early_pieces(Ws& ws, EarlyOffer& early, FilePosition from);
  // One file from chunk `from`: true to go on with the next file, false to
  // stop sending files this session (the server cannot store them now).
  net::awaitable<Result<bool>> send_file(Ws& ws, const FileToSend& f, std::uint32_t from);

  bool closed_by_server_ = false;  // it answered a newer request with a protocol error
  bool pieces_ = false;            // the server answered the upgrade with kSyncSubprotocolPieces
  bool forms_more_ = false;        // a pipelined forms request was answered `more`
  std::vector<FormRef>
      forms_turned_down_;  // not stored, but not to be asked for again this session
  std::vector<CollectorStore::RelayedRegistration> registrations_;

  CollectorStore& store_;
  const Enrollment& enrollment_;
  const SyncOptions& options_;
  const Clock& clock_;
  ParsedUrl url_;
  SyncClientProtocol protocol_;
  SyncReport report_;
  SyncProgress progress_;
  beast::flat_buffer buffer_;
  bool reply_overdue_ = false;
};

}  // namespace equitas::collector::sync_detail
