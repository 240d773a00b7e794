#include "equitas/forms/xlsform.hpp"
