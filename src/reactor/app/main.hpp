#pragma once

namespace reactor::app {

// The reactor command: parses the command line and runs the chosen role.
int main(int argc, char** argv);

} // namespace reactor::app
