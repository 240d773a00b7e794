// ServerApp: the files responses name (issue 18), as an analyst takes them
// away: the export and the files in one zip.
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "equitas/util/media_type.hpp"
#include "file_store.hpp"
#include "server_app.hpp"

namespace equitas::server {
namespace {

namespace fs = std::filesystem;

// A zip being written; discarded unless closed.
class ZipOut {
 public:
  static Result<ZipOut> create(const fs::path& path) {
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (z == nullptr) {
      zip_error_t e;
      zip_error_init_with_code(&e, err);
      Status s = Status::io_error("cannot create " + path.string() + ": " + zip_error_strerror(&e));
      zip_error_fini(&e);
      return s;
    }
    return ZipOut(z);
  }
  ZipOut(ZipOut&& o) noexcept : z_(std::exchange(o.z_, nullptr)) {}
  ZipOut& operator=(ZipOut&&) = delete;
  ~ZipOut() {
    if (z_ != nullptr) zip_discard(z_);
  }
  // Adds the file at `from` (read when the zip is closed) as `name`.
  Status add_file(const fs::path& from, const std::string& name) {
    zip_source_t* src = zip_source_file(z_, from.c_str(), 0, -1);
    if (src == nullptr ||
        zip_file_add(z_, name.c_str(), src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
      if (src != nullptr) zip_source_free(src);
      return Status::io_error("cannot add " + name + " to the zip: " + zip_strerror(z_));
    }
    return Status::ok();
  }
  Status close() {
    if (zip_close(z_) != 0)
      return Status::io_error(std::string("cannot write the zip: ") + zip_strerror(z_));
    z_ = nullptr;
    return Status::ok();
  }

 private:
  explicit ZipOut(zip_t* z) : z_(z) {}
  zip_t* z_;
};

// Removes a folder and what is in it when it goes out of scope.
struct ScratchFolder {
  fs::path path;
  ~ScratchFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

Result<ServerApp::FilesExport> ServerApp::export_with_files(const ExportOptions& options,
                                                            const fs::path& zip,
                                                            const ExportProgress& progress) {
  FilesExport out;
  const fs::path folder = zip.parent_path().empty() ? fs::path(".") : zip.parent_path();
  std::error_code ec;
  // Beside the zip (the same disk, so the rename is atomic), 0700: it holds
  // decrypted files until the zip is closed.
  ScratchFolder scratch{folder / (".equitas-export-" + to_hex(ByteView(random_array<6>())))};
  fs::create_directory(scratch.path, ec);
  if (ec) return Status::io_error("cannot create " + scratch.path.string() + ": " + ec.message());
  fs::permissions(scratch.path, fs::perms::owner_all, ec);

  const std::string data_name =
      options.form_id + "." + std::string(export_format_name(options.format));
  std::ostringstream unused;
  EQ_ASSIGN_OR_RETURN(out.summary,
                      export_responses(options, scratch.path / data_name, unused, progress));

  // The files the exported responses name: the latest revision of each,
  // of this form (and round), conflicting copies left out as the rows are.
  EQ_ASSIGN_OR_RETURN(auto named, files_of_latest(store_.db(), options.form_id, options.round));
  struct Named {
    FileHash sha{};
    std::string name;
  };
  std::vector<Named> held;
  std::map<std::string, bool> seen;
  for (const NamedFile& f : named) {
    const std::string name = file_export_name(to_hex(ByteView(f.sha256)), f.media_type);
    if (!seen.emplace(name, true).second) continue;
    if (!f.held) {
      out.missing.push_back(name);
      continue;
    }
    Named n;
    n.sha = f.sha256;
    n.name = name;
    held.push_back(std::move(n));
  }

  EQ_ASSIGN_OR_RETURN(ZipOut z, ZipOut::create(scratch.path / "export.zip"));
  for (const auto& entry : fs::directory_iterator(scratch.path)) {
    if (entry.path().filename() == "export.zip") continue;
    EQ_RETURN_IF_ERROR(z.add_file(entry.path(), entry.path().filename().string()));
  }
  FileStore files(dir_.root / "files");
  fs::create_directory(scratch.path / "files", ec);
  for (const Named& n : held) {
    EQ_ASSIGN_OR_RETURN(FileStore::Held file, files.read(store_.db(), n.sha));
    const fs::path plain = scratch.path / n.name;
    {
      std::ofstream o(plain, std::ios::binary);
      o.write(reinterpret_cast<const char*>(file.bytes.data()),
              static_cast<std::streamsize>(file.bytes.size()));
      if (!o) return Status::io_error("cannot write " + plain.string());
    }
    out.bytes += static_cast<std::int64_t>(file.bytes.size());
    ++out.files;
    EQ_RETURN_IF_ERROR(z.add_file(plain, n.name));
  }
  if (!out.missing.empty()) {
    const fs::path note = scratch.path / "files-missing.txt";
    std::ofstream o(note);
    o << "Files that responses name but that have not reached the server yet (they arrive at the "
         "post's next "
         "sync; export again then):\n";
    for (const auto& m : out.missing) o << m << "\n";
    if (!o) return Status::io_error("cannot write " + note.string());
    EQ_RETURN_IF_ERROR(z.add_file(note, "files-missing.txt"));
  }
  EQ_RETURN_IF_ERROR(z.close());
  fs::rename(scratch.path / "export.zip", zip, ec);
  if (ec) return Status::io_error("cannot move the zip to " + zip.string() + ": " + ec.message());
  EQ_RETURN_IF_ERROR(record(options.actor, "export.files",
                            options.form_id + ": " + std::to_string(out.files) + " files, " +
                                std::to_string(out.missing.size()) + " not on the server yet"));
  return out;
}

}  // namespace equitas::server
