#include <openssl/evp.h>
#include <openssl/rsa.h>
