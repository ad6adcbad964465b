#!/usr/bin/env bash
# Packs the Debian 12 libraries that rlbench needs besides LibTorch into .device/deps.tar.xz, for
# building on a GPU machine that has a CUDA PyTorch but none of these packages (tools/gpu/check.sh
# unpacks it there). Run on a Debian 12 machine with access to its package registry.
#   tools/gpu/pack_deps.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# main: headers, CMake configs and the libraries linked directly
main=(libmujoco-dev libmujoco2.2.2 libccd2 liblodepng0 libtinyxml2-9 libqhull-dev libqhull-r8.0
      libqhull8.0 libqhullcpp8.0 libhdf5-dev libhdf5-103-1 libhdf5-hl-100 libsz2 libaec0
      libcli11-dev nlohmann-json3-dev libnanoflann-dev doctest-dev libcurl4-openssl-dev libcurl4
      libssl-dev libssl3
      # mujoco's CMake config asks for OpenGL (the library itself does not link it)
      libgl-dev libglx-dev libopengl-dev libgl1 libglx0 libopengl0 libglvnd0)
# indirect: what libcurl4 needs at run time, in case the GPU machine lacks it
indirect=(libnghttp2-14 libpsl5 librtmp1 libssh2-1 libldap-2.5-0 libsasl2-2 libbrotli1 libidn2-0
          libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libkeyutils1 libgnutls30
          libhogweed6 libnettle8 libunistring2 libtasn1-6 libp11-kit0 libffi8 libzstd1)
mkdir -p "$work/debs/main" "$work/debs/indirect" "$work/root/main" "$work/root/indirect"
(cd "$work/debs/main" && apt-get download "${main[@]}" >/dev/null)
(cd "$work/debs/indirect" && apt-get download "${indirect[@]}" >/dev/null)
for part in main indirect; do
  for f in "$work/debs/$part"/*.deb; do dpkg -x "$f" "$work/root/$part"; done
done
find "$work/root" -name '*.a' -delete
rm -rf "$work"/root/*/usr/share/{doc,man,lintian}
mkdir -p .device
tar -C "$work/root" -cJf .device/deps.tar.xz main indirect
ls -l .device/deps.tar.xz
