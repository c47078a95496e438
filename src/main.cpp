#include "reactor/app/main.hpp"

int
main(int argc, char** argv)
{
  return reactor::app::main(argc, argv);
}
