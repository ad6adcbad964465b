#pragma once

#include <memory>
#include <string>

#include <mujoco/mujoco.h>

namespace rlbench::envs {

// Installs process-wide MuJoCo error and warning handlers, once (later calls do nothing; safe
// from any thread). Without them MuJoCo 2.2.2 waits for Enter and calls exit() on an error and
// appends every warning to MUJOCO_LOG.TXT in the working directory. With them:
// - an error inside load_model() or step_guarded() becomes an rlbench::Error; an error anywhere
//   else prints the message and aborts (MuJoCo's handler must not return);
// - warnings are counted per thread (warning_count()) and never written to a file or stdout.
// Loading a model calls this too, so library users get safe handlers without a CLI.
void install_mujoco_handlers();

// Number of MuJoCo warnings raised on this thread since the process started, and the text of the
// last one. Tests use the difference around a block of calls to fail on any warning.
long warning_count();
std::string last_warning();

struct ModelDeleter {
  void operator()(mjModel* m) const { mj_deleteModel(m); }
};
struct DataDeleter {
  void operator()(mjData* d) const { mj_deleteData(d); }
};
using ModelPtr = std::unique_ptr<mjModel, ModelDeleter>;
using DataPtr = std::unique_ptr<mjData, DataDeleter>;

// Compiles an MJCF document held in memory. `name` labels errors ("hopper.xml: ..."). Throws
// rlbench::Error with the loader's message when the XML does not compile.
ModelPtr load_model(const std::string& xml, const std::string& name);

// Allocates mjData for a model; throws rlbench::Error if MuJoCo fails.
DataPtr make_data(const mjModel* m);

// Runs fn(ctx) so that a MuJoCo error inside it becomes rlbench::Error("<what>: MuJoCo error:
// <message>") instead of ending the process. The error handler longjmps out of fn, so fn must
// not own objects with destructors (call MuJoCo and nothing else).
void guarded(const char* what, void (*fn)(void* ctx), void* ctx);

// Runs mj_step `n` times. A MuJoCo error during the steps becomes rlbench::Error("<what>: <msg>")
// instead of ending the process.
void step_guarded(const mjModel* m, mjData* d, int n, const char* what);

// Runs mj_forward with the same error conversion as step_guarded().
void forward_guarded(const mjModel* m, mjData* d, const char* what);

// "2.2.2": the version of the MuJoCo library this process runs.
std::string mujoco_version();

}  // namespace rlbench::envs
