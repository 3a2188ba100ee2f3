from django.db import migrations


def add_posts(apps, schema_editor):
    from linli.org.posts import DEFAULT_POSTS

    Post = apps.get_model("org", "Post")
    for code, name, reveal, restricted, audit, imp, exp in DEFAULT_POSTS:
        Post.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "can_reveal": reveal,
                "can_see_restricted": restricted,
                "can_audit": audit,
                "can_import": imp,
                "can_export": exp,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(add_posts, migrations.RunPython.noop)]
