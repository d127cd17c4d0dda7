/* The daemon's configuration: its defaults and the JSON file that changes
 * them (configs/vmmd.json). Unknown keys and wrong types are refused with
 * the key's name, so a typo never passes silently. */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"

enum config_kind { CONFIG_STRING, CONFIG_BOOL, CONFIG_UINT, CONFIG_SIZE, CONFIG_U64 };

struct config_key {
	const char *name;
	enum config_kind kind;
	size_t offset;
	size_t size;		/* strings: the buffer */
	uint64_t min, max;
};

#define C(field) offsetof(struct daemon_config, field)
#define L(field) offsetof(struct daemon_config, limits.field)

static const struct config_key config_keys[] = {
	{ "socket", CONFIG_STRING, C(socket_path), DAEMON_PATH_MAX, 0, 0 },
	{ "state_dir", CONFIG_STRING, C(state_dir), DAEMON_PATH_MAX, 0, 0 },
	{ "group", CONFIG_STRING, C(group), 64, 0, 0 },
	{ "allow_root", CONFIG_BOOL, C(allow_root), 0, 0, 0 },
	{ "kvm", CONFIG_BOOL, C(kvm), 0, 0, 0 },
	{ "kvm_path", CONFIG_STRING, C(kvm_path), DAEMON_PATH_MAX, 0, 0 },
	{ "vm_process", CONFIG_STRING, C(vm_process), DAEMON_PATH_MAX, 0, 0 },
	{ "stop_timeout_s", CONFIG_UINT, C(stop_timeout_s), 0, 1, 3600 },
	{ "vm_user", CONFIG_STRING, C(vm_user), DAEMON_USER_MAX, 0, 0 },
	{ "test_hooks", CONFIG_BOOL, C(test_hooks), 0, 0, 0 },
	{ "keep_vms_on_restart", CONFIG_BOOL, C(keep_vms_on_restart), 0, 0, 0 },
	{ "message_bytes", CONFIG_SIZE, L(message_bytes), 0, 256, 16 << 20 },
	{ "output_bytes", CONFIG_SIZE, L(output_bytes), 0, 4096, 256 << 20 },
	{ "clients", CONFIG_UINT, L(clients), 0, 1, 65536 },
	{ "vms", CONFIG_UINT, L(vms), 0, 1, 4096 },
	{ "vcpus_per_vm", CONFIG_UINT, L(vcpus_per_vm), 0, 1, 64 },
	{ "memory_mib_per_vm", CONFIG_U64, L(memory_mib_per_vm), 0, 16, 1 << 24 },
	{ "vcpus_total", CONFIG_UINT, L(vcpus_total), 0, 1, 1 << 16 },
	{ "memory_mib_total", CONFIG_U64, L(memory_mib_total), 0, 16, 1ull << 32 },
};

void
daemon_config_defaults(struct daemon_config *config)
{
	memset(config, 0, sizeof(*config));
	snprintf(config->socket_path, sizeof(config->socket_path),
	    "/run/vmmd/vmmd.sock");
	snprintf(config->state_dir, sizeof(config->state_dir), "/run/vmmd");
	snprintf(config->group, sizeof(config->group), "vmmd");
	snprintf(config->kvm_path, sizeof(config->kvm_path), "/dev/kvm");
	snprintf(config->vm_user, sizeof(config->vm_user), "nobody");
	snprintf(config->images.directories[0], IMAGE_POLICY_PATH_MAX,
	    "/var/lib/vmmd/images");
	config->images.directory_count = 1;
	config->allow_root = true;
	config->kvm = true;
	config->keep_vms_on_restart = true;
	config->stop_timeout_s = 10;
	config->limits = (struct daemon_limits){
		.message_bytes = 65536, .output_bytes = 4 << 20,
		.clients = 256, .vms = 32, .vcpus_per_vm = 8,
		.memory_mib_per_vm = 4096, .vcpus_total = 64,
		.memory_mib_total = 16384,
	};
}

static int
config_set(struct daemon_config *config, const struct config_key *key,
    json_t *value, char *error, size_t error_size)
{
	char *field = (char *)config + key->offset;
	json_int_t n;

	if (key->kind == CONFIG_STRING) {
		if (!json_is_string(value) || json_string_length(value) == 0 ||
		    json_string_length(value) >= key->size) {
			snprintf(error, error_size, "'%s' must be a string of 1 "
			    "to %zu bytes", key->name, key->size - 1);
			return -1;
		}
		memcpy(field, json_string_value(value), json_string_length(value) + 1);
		return 0;
	}
	if (key->kind == CONFIG_BOOL) {
		if (!json_is_boolean(value)) {
			snprintf(error, error_size, "'%s' must be true or false",
			    key->name);
			return -1;
		}
		*(bool *)field = json_is_true(value);
		return 0;
	}
	n = json_integer_value(value);
	if (!json_is_integer(value) || n < 0 || (uint64_t)n < key->min ||
	    (uint64_t)n > key->max) {
		snprintf(error, error_size, "'%s' must be an integer from %llu "
		    "to %llu", key->name, (unsigned long long)key->min,
		    (unsigned long long)key->max);
		return -1;
	}
	if (key->kind == CONFIG_UINT)
		*(unsigned int *)field = (unsigned int)n;
	else if (key->kind == CONFIG_SIZE)
		*(size_t *)field = (size_t)n;
	else
		*(uint64_t *)field = (uint64_t)n;
	return 0;
}

static int
images_directories(struct image_policy *images, json_t *array, char *error,
    size_t error_size)
{
	json_t *value;
	size_t i;

	if (!json_is_array(array) || json_array_size(array) >
	    IMAGE_POLICY_DIRS_MAX) {
		snprintf(error, error_size, "'images.directories' must be an "
		    "array of at most %d paths", IMAGE_POLICY_DIRS_MAX);
		return -1;
	}
	memset(images->directories, 0, sizeof(images->directories));
	json_array_foreach(array, i, value) {
		if (!json_is_string(value) || json_string_length(value) == 0 ||
		    json_string_length(value) >= IMAGE_POLICY_PATH_MAX) {
			snprintf(error, error_size, "'images.directories' must "
			    "hold strings of 1 to %d bytes",
			    IMAGE_POLICY_PATH_MAX - 1);
			return -1;
		}
		memcpy(images->directories[i], json_string_value(value),
		    json_string_length(value) + 1);
	}
	images->directory_count = (unsigned int)json_array_size(array);
	return image_policy_check(images, error, error_size);
}

/* "images": {"directories": [...], "block_devices": B, "root_any_path": B,
 * "taps_by_name": B} */
static int
config_images(struct image_policy *images, json_t *object, char *error,
    size_t error_size)
{
	const char *name;
	json_t *value;

	if (!json_is_object(object)) {
		snprintf(error, error_size, "'images' must be an object");
		return -1;
	}
	json_object_foreach(object, name, value) {
		bool *flag = strcmp(name, "block_devices") == 0 ?
		    &images->block_devices : strcmp(name, "root_any_path") == 0 ?
		    &images->root_any_path : strcmp(name, "taps_by_name") == 0 ?
		    &images->taps_by_name : NULL;

		if (strcmp(name, "directories") == 0) {
			if (images_directories(images, value, error,
			    error_size) < 0)
				return -1;
		} else if (flag == NULL) {
			snprintf(error, error_size, "unknown key 'images.%s'",
			    name);
			return -1;
		} else if (!json_is_boolean(value)) {
			snprintf(error, error_size, "'images.%s' must be true "
			    "or false", name);
			return -1;
		} else
			*flag = json_is_true(value);
	}
	return 0;
}

static int
config_apply(struct daemon_config *config, json_t *object, bool limits,
    char *error, size_t error_size)
{
	size_t i, count = sizeof(config_keys) / sizeof(config_keys[0]);
	const char *name;
	json_t *value;

	json_object_foreach(object, name, value) {
		if (!limits && strcmp(name, "limits") == 0 && json_is_object(value)) {
			if (config_apply(config, value, true, error, error_size) < 0)
				return -1;
			continue;
		}
		if (!limits && strcmp(name, "images") == 0) {
			if (config_images(&config->images, value, error,
			    error_size) < 0)
				return -1;
			continue;
		}
		for (i = 0; i < count; i++)
			if (strcmp(config_keys[i].name, name) == 0 &&
			    limits == (config_keys[i].offset >= L(message_bytes)))
				break;
		if (i == count) {
			snprintf(error, error_size, "unknown key '%s%s'",
			    limits ? "limits." : "", name);
			return -1;
		}
		if (config_set(config, &config_keys[i], value, error,
		    error_size) < 0)
			return -1;
	}
	return 0;
}

int
daemon_config_load(struct daemon_config *config, const char *path,
    char *error, size_t error_size)
{
	json_error_t json_error;
	char why[200];
	json_t *root;
	int rc;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &json_error);
	if (root == NULL) {
		snprintf(error, error_size, "%s: line %d: %s", path,
		    json_error.line, json_error.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(error, error_size, "%s: not a JSON object", path);
		json_decref(root);
		return -1;
	}
	rc = config_apply(config, root, false, why, sizeof(why));
	if (rc < 0)
		snprintf(error, error_size, "%s: %s", path, why);
	json_decref(root);
	return rc;
}
