// Boost.JSON and Boost.URL compiled here, instrumented, instead of linked from Debian's
// shared libraries.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
