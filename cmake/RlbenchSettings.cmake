# Interface targets that every rlbench target links PRIVATE: language settings and warnings.
add_library(rlbench_options INTERFACE)
target_compile_features(rlbench_options INTERFACE cxx_std_17)
# LibTorch's ABI flag (-D_GLIBCXX_USE_CXX11_ABI=...) must hold for every translation unit that
# passes std::string across a library boundary, not only the ones that include torch
separate_arguments(rlbench_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
target_compile_options(rlbench_options INTERFACE ${rlbench_torch_flags})
target_compile_definitions(rlbench_options INTERFACE $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
if(RLBENCH_SANITIZERS)
  list(JOIN RLBENCH_SANITIZERS "," rlbench_san)
  target_compile_options(rlbench_options INTERFACE -fsanitize=${rlbench_san} -fno-omit-frame-pointer)
  target_link_options(rlbench_options INTERFACE -fsanitize=${rlbench_san})
endif()

add_library(rlbench_warnings INTERFACE)
target_compile_options(rlbench_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough
  $<$<BOOL:${RLBENCH_WARNINGS_AS_ERRORS}>:-Werror>)
