/* SPDX-License-Identifier: Apache-2.0 */
/* Placeholder translation unit for a subsystem with no sources yet. */
typedef int sw_empty_tu;
