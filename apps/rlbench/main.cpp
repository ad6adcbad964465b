#include "rlbench/cli/app.hpp"

int main(int argc, char** argv) { return rlbench::cli::run(argc, argv); }
