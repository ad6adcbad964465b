#include "rlbench/envs/mujoco.hpp"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "rlbench/core/error.hpp"

namespace rlbench::envs {

namespace {

// Per-thread error landing pad. MuJoCo's error handler must not return (MuJoCo would carry on
// with a broken state) and must not throw through MuJoCo's C frames, so a guarded call sets a
// jump buffer, the handler longjmps back to it, and the guarded call throws from C++ code. This
// is the pattern of MuJoCo's own Python bindings (python/mujoco/errors.h).
thread_local std::jmp_buf* t_landing = nullptr;
thread_local char t_error[512];
thread_local long t_warnings = 0;
thread_local char t_last_warning[512];

void on_mujoco_error(const char* msg) {
  std::snprintf(t_error, sizeof t_error, "%s", msg);
  if (t_landing != nullptr) std::longjmp(*t_landing, 1);
  // no guarded call is active: returning would let MuJoCo continue on a broken state
  std::fprintf(stderr, "rlbench: fatal MuJoCo error outside a guarded call: %s\n", msg);
  std::abort();
}

void on_mujoco_warning(const char* msg) {
  ++t_warnings;
  std::snprintf(t_last_warning, sizeof t_last_warning, "%s", msg);
}

// The MuJoCo calls run in their own frames, with only trivially destructible locals, so the
// longjmp skips nothing that needs unwinding.
template <typename Fn>
bool call_guarded(Fn fn) {
  install_mujoco_handlers();  // a guard without our handler would not catch anything
  std::jmp_buf landing;
  std::jmp_buf* const outer = t_landing;
  if (setjmp(landing) != 0) {
    t_landing = outer;
    return false;
  }
  t_landing = &landing;
  fn();
  t_landing = outer;
  return true;
}

struct VfsDeleter {
  void operator()(mjVFS* vfs) const {
    mj_deleteVFS(vfs);
    delete vfs;
  }
};

}  // namespace

void install_mujoco_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    mju_user_error = on_mujoco_error;
    mju_user_warning = on_mujoco_warning;
  });
}

long warning_count() { return t_warnings; }

std::string last_warning() { return t_last_warning; }

ModelPtr load_model(const std::string& xml, const std::string& name) {
  install_mujoco_handlers();
  // mjVFS holds ~2 MB of file-name slots: keep it off the stack
  std::unique_ptr<mjVFS, VfsDeleter> vfs(new mjVFS);
  mj_defaultVFS(vfs.get());
  if (mj_makeEmptyFileVFS(vfs.get(), name.c_str(), static_cast<int>(xml.size())) != 0) {
    throw Error(name + ": cannot create the in-memory MJCF file");
  }
  const int index = mj_findFileVFS(vfs.get(), name.c_str());
  std::memcpy(vfs->filedata[index], xml.data(), xml.size());

  char load_error[1000] = "";
  mjModel* raw = nullptr;
  // The XML loader keeps the last parsed model in a process-wide global (for mj_saveLastXML), and
  // training threads may build envs at the same time: one load at a time.
  static std::mutex load_mutex;
  const std::lock_guard<std::mutex> lock(load_mutex);
  const bool ok = call_guarded(
      [&] { raw = mj_loadXML(name.c_str(), vfs.get(), load_error, sizeof load_error); });
  if (!ok) throw Error(name + ": MuJoCo error while loading: " + t_error);
  if (raw == nullptr) throw Error(name + ": MJCF does not compile: " + load_error);
  return ModelPtr(raw);
}

DataPtr make_data(const mjModel* m) {
  mjData* raw = nullptr;
  if (!call_guarded([&] { raw = mj_makeData(m); }) || raw == nullptr) {
    throw Error(std::string("mj_makeData: MuJoCo error: ") + t_error);
  }
  return DataPtr(raw);
}

void guarded(const char* what, void (*fn)(void* ctx), void* ctx) {
  if (!call_guarded([&] { fn(ctx); }))
    throw Error(std::string(what) + ": MuJoCo error: " + t_error);
}

void step_guarded(const mjModel* m, mjData* d, int n, const char* what) {
  const bool ok = call_guarded([&] {
    for (int i = 0; i < n; ++i) mj_step(m, d);
  });
  if (!ok) throw Error(std::string(what) + ": MuJoCo error: " + t_error);
}

void forward_guarded(const mjModel* m, mjData* d, const char* what) {
  if (!call_guarded([&] { mj_forward(m, d); })) {
    throw Error(std::string(what) + ": MuJoCo error: " + t_error);
  }
}

std::string mujoco_version() { return mj_versionString(); }

}  // namespace rlbench::envs
